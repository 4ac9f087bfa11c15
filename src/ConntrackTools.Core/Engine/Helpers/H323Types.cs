namespace ConntrackTools.Engine.Helpers;

// nf_conntrack_h323_types.c: the type tables of H.225 (RAS, Q.931 user-user information) and H.245
// as Jing Min Zhao's ASN.1 parser generated them for the kernel (2007, unchanged since), entry for
// entry and in the same order: name, type, size or constraint, lower and upper bound (root and
// total components of a sequence or choice), attributes, where a DECODE field goes, and the nested
// table. They were printed by a C program that includes the kernel's nf_conntrack_h323_types.c and
// nf_conntrack_h323_asn1.h (Linux 6.12 stable sources), so that every offsetof and sizeof is gcc's:
// offsets and item sizes are in 32-bit words of the structs (all of whose members are ints). The
// H323Layout constants below were printed the same way.
internal static partial class H323Asn1
{
    private static readonly Field[] _TransportAddress_ipAddress =
    [
        new("ip", OctStr, Fixd, 4, 0, Decode, 1, null),
        new("port", Int, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _TransportAddress_ipSourceRoute_route =
    [
        new("item", OctStr, Fixd, 4, 0, Skip, 0, null),
    ];

    private static readonly Field[] _TransportAddress_ipSourceRoute_routing =
    [
        new("strict", Nul, 0, 0, 0, Skip, 0, null),
        new("loose", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _TransportAddress_ipSourceRoute =
    [
        new("ip", OctStr, Fixd, 4, 0, Skip, 0, null),
        new("port", Int, Word, 0, 0, Skip, 0, null),
        new("route", SeqOf, Semi, 0, 0, Skip, 0, _TransportAddress_ipSourceRoute_route),
        new("routing", Choice, 1, 2, 2, Ext, 0, _TransportAddress_ipSourceRoute_routing),
    ];

    private static readonly Field[] _TransportAddress_ipxAddress =
    [
        new("node", OctStr, Fixd, 6, 0, Skip, 0, null),
        new("netnum", OctStr, Fixd, 4, 0, Skip, 0, null),
        new("port", OctStr, Fixd, 2, 0, Skip, 0, null),
    ];

    private static readonly Field[] _TransportAddress_ip6Address =
    [
        new("ip", OctStr, Fixd, 16, 0, Decode, 1, null),
        new("port", Int, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H221NonStandard =
    [
        new("t35CountryCode", Int, Byte, 0, 0, Skip, 0, null),
        new("t35Extension", Int, Byte, 0, 0, Skip, 0, null),
        new("manufacturerCode", Int, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _NonStandardIdentifier =
    [
        new("object", Oid, 9, 0, 0, Skip, 0, null),
        new("h221NonStandard", Seq, 0, 3, 3, Ext, 0, _H221NonStandard),
    ];

    private static readonly Field[] _NonStandardParameter =
    [
        new("nonStandardIdentifier", Choice, 1, 2, 2, Ext, 0, _NonStandardIdentifier),
        new("data", OctStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _TransportAddress =
    [
        new("ipAddress", Seq, 0, 2, 2, Decode, 1, _TransportAddress_ipAddress),
        new("ipSourceRoute", Seq, 0, 4, 4, Ext, 0, _TransportAddress_ipSourceRoute),
        new("ipxAddress", Seq, 0, 3, 3, Skip, 0, _TransportAddress_ipxAddress),
        new("ip6Address", Seq, 0, 2, 2, Decode | Ext, 1, _TransportAddress_ip6Address),
        new("netBios", OctStr, Fixd, 16, 0, Skip, 0, null),
        new("nsap", OctStr, 5, 1, 0, Skip, 0, null),
        new("nonStandardAddress", Seq, 0, 2, 2, Skip, 0, _NonStandardParameter),
    ];

    private static readonly Field[] _AliasAddress =
    [
        new("dialedDigits", NumStr, 7, 1, 0, Skip, 0, null),
        new("h323-ID", BmpStr, Byte, 1, 0, Skip, 0, null),
        new("url-ID", OctStr, Word, 1, 0, Skip, 0, null),
        new("transportID", Choice, 3, 7, 7, Ext, 0, null),
        new("email-ID", OctStr, Word, 1, 0, Skip, 0, null),
        new("partyNumber", Choice, 3, 5, 5, Ext, 0, null),
        new("mobileUIM", Choice, 1, 2, 2, Ext, 0, null),
    ];

    private static readonly Field[] _Setup_UUIE_sourceAddress =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _VendorIdentifier =
    [
        new("vendor", Seq, 0, 3, 3, Ext, 0, _H221NonStandard),
        new("productId", OctStr, Byte, 1, 0, Opt, 0, null),
        new("versionId", OctStr, Byte, 1, 0, Opt, 0, null),
    ];

    private static readonly Field[] _GatekeeperInfo =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
    ];

    private static readonly Field[] _H310Caps =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("dataRatesSupported", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H320Caps =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("dataRatesSupported", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H321Caps =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("dataRatesSupported", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H322Caps =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("dataRatesSupported", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H323Caps =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("dataRatesSupported", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H324Caps =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("dataRatesSupported", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _VoiceCaps =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("dataRatesSupported", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _T120OnlyCaps =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("dataRatesSupported", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _SupportedProtocols =
    [
        new("nonStandardData", Seq, 0, 2, 2, Skip, 0, _NonStandardParameter),
        new("h310", Seq, 1, 1, 3, Ext, 0, _H310Caps),
        new("h320", Seq, 1, 1, 3, Ext, 0, _H320Caps),
        new("h321", Seq, 1, 1, 3, Ext, 0, _H321Caps),
        new("h322", Seq, 1, 1, 3, Ext, 0, _H322Caps),
        new("h323", Seq, 1, 1, 3, Ext, 0, _H323Caps),
        new("h324", Seq, 1, 1, 3, Ext, 0, _H324Caps),
        new("voice", Seq, 1, 1, 3, Ext, 0, _VoiceCaps),
        new("t120-only", Seq, 1, 1, 3, Ext, 0, _T120OnlyCaps),
        new("nonStandardProtocol", Seq, 2, 3, 3, Ext, 0, null),
        new("t38FaxAnnexbOnly", Seq, 2, 5, 5, Ext, 0, null),
    ];

    private static readonly Field[] _GatewayInfo_protocol =
    [
        new("item", Choice, 4, 9, 11, Ext, 0, _SupportedProtocols),
    ];

    private static readonly Field[] _GatewayInfo =
    [
        new("protocol", SeqOf, Semi, 0, 0, Opt, 0, _GatewayInfo_protocol),
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
    ];

    private static readonly Field[] _McuInfo =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("protocol", SeqOf, Semi, 0, 0, Opt, 0, null),
    ];

    private static readonly Field[] _TerminalInfo =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
    ];

    private static readonly Field[] _EndpointType =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("vendor", Seq, 2, 3, 3, Ext | Opt, 0, _VendorIdentifier),
        new("gatekeeper", Seq, 1, 1, 1, Ext | Opt, 0, _GatekeeperInfo),
        new("gateway", Seq, 2, 2, 2, Ext | Opt, 0, _GatewayInfo),
        new("mcu", Seq, 1, 1, 2, Ext | Opt, 0, _McuInfo),
        new("terminal", Seq, 1, 1, 1, Ext | Opt, 0, _TerminalInfo),
        new("mc", Bool, 0, 0, 0, Skip, 0, null),
        new("undefinedNode", Bool, 0, 0, 0, Skip, 0, null),
        new("set", BitStr, Fixd, 32, 0, Opt, 0, null),
        new("supportedTunnelledProtocols", SeqOf, Semi, 0, 0, Opt, 0, null),
    ];

    private static readonly Field[] _Setup_UUIE_destinationAddress =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _Setup_UUIE_destExtraCallInfo =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _Setup_UUIE_destExtraCRV =
    [
        new("item", Int, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _Setup_UUIE_conferenceGoal =
    [
        new("create", Nul, 0, 0, 0, Skip, 0, null),
        new("join", Nul, 0, 0, 0, Skip, 0, null),
        new("invite", Nul, 0, 0, 0, Skip, 0, null),
        new("capability-negotiation", Nul, 0, 0, 0, Skip, 0, null),
        new("callIndependentSupplementaryService", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _Q954Details =
    [
        new("conferenceCalling", Bool, 0, 0, 0, Skip, 0, null),
        new("threePartyService", Bool, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _QseriesOptions =
    [
        new("q932Full", Bool, 0, 0, 0, Skip, 0, null),
        new("q951Full", Bool, 0, 0, 0, Skip, 0, null),
        new("q952Full", Bool, 0, 0, 0, Skip, 0, null),
        new("q953Full", Bool, 0, 0, 0, Skip, 0, null),
        new("q955Full", Bool, 0, 0, 0, Skip, 0, null),
        new("q956Full", Bool, 0, 0, 0, Skip, 0, null),
        new("q957Full", Bool, 0, 0, 0, Skip, 0, null),
        new("q954Info", Seq, 0, 2, 2, Ext, 0, _Q954Details),
    ];

    private static readonly Field[] _CallType =
    [
        new("pointToPoint", Nul, 0, 0, 0, Skip, 0, null),
        new("oneToN", Nul, 0, 0, 0, Skip, 0, null),
        new("nToOne", Nul, 0, 0, 0, Skip, 0, null),
        new("nToN", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H245_NonStandardIdentifier_h221NonStandard =
    [
        new("t35CountryCode", Int, Byte, 0, 0, Skip, 0, null),
        new("t35Extension", Int, Byte, 0, 0, Skip, 0, null),
        new("manufacturerCode", Int, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H245_NonStandardIdentifier =
    [
        new("object", Oid, 9, 0, 0, Skip, 0, null),
        new("h221NonStandard", Seq, 0, 3, 3, Skip, 0, _H245_NonStandardIdentifier_h221NonStandard),
    ];

    private static readonly Field[] _H245_NonStandardParameter =
    [
        new("nonStandardIdentifier", Choice, 1, 2, 2, Skip, 0, _H245_NonStandardIdentifier),
        new("data", OctStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H261VideoCapability =
    [
        new("qcifMPI", Int, 2, 1, 0, Opt, 0, null),
        new("cifMPI", Int, 2, 1, 0, Opt, 0, null),
        new("temporalSpatialTradeOffCapability", Bool, 0, 0, 0, Skip, 0, null),
        new("maxBitRate", Int, Word, 1, 0, Skip, 0, null),
        new("stillImageTransmission", Bool, 0, 0, 0, Skip, 0, null),
        new("videoBadMBsCap", Bool, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H262VideoCapability =
    [
        new("profileAndLevel-SPatML", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-MPatLL", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-MPatML", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-MPatH-14", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-MPatHL", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-SNRatLL", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-SNRatML", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-SpatialatH-14", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-HPatML", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-HPatH-14", Bool, 0, 0, 0, Skip, 0, null),
        new("profileAndLevel-HPatHL", Bool, 0, 0, 0, Skip, 0, null),
        new("videoBitRate", Int, Cons, 0, 0, Opt, 0, null),
        new("vbvBufferSize", Int, Cons, 0, 0, Opt, 0, null),
        new("samplesPerLine", Int, Word, 0, 0, Opt, 0, null),
        new("linesPerFrame", Int, Word, 0, 0, Opt, 0, null),
        new("framesPerSecond", Int, 4, 0, 0, Opt, 0, null),
        new("luminanceSampleRate", Int, Cons, 0, 0, Opt, 0, null),
        new("videoBadMBsCap", Bool, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H263VideoCapability =
    [
        new("sqcifMPI", Int, 5, 1, 0, Opt, 0, null),
        new("qcifMPI", Int, 5, 1, 0, Opt, 0, null),
        new("cifMPI", Int, 5, 1, 0, Opt, 0, null),
        new("cif4MPI", Int, 5, 1, 0, Opt, 0, null),
        new("cif16MPI", Int, 5, 1, 0, Opt, 0, null),
        new("maxBitRate", Int, Cons, 1, 0, Skip, 0, null),
        new("unrestrictedVector", Bool, 0, 0, 0, Skip, 0, null),
        new("arithmeticCoding", Bool, 0, 0, 0, Skip, 0, null),
        new("advancedPrediction", Bool, 0, 0, 0, Skip, 0, null),
        new("pbFrames", Bool, 0, 0, 0, Skip, 0, null),
        new("temporalSpatialTradeOffCapability", Bool, 0, 0, 0, Skip, 0, null),
        new("hrd-B", Int, Cons, 0, 0, Opt, 0, null),
        new("bppMaxKb", Int, Word, 0, 0, Opt, 0, null),
        new("slowSqcifMPI", Int, Word, 1, 0, Opt, 0, null),
        new("slowQcifMPI", Int, Word, 1, 0, Opt, 0, null),
        new("slowCifMPI", Int, Word, 1, 0, Opt, 0, null),
        new("slowCif4MPI", Int, Word, 1, 0, Opt, 0, null),
        new("slowCif16MPI", Int, Word, 1, 0, Opt, 0, null),
        new("errorCompensation", Bool, 0, 0, 0, Skip, 0, null),
        new("enhancementLayerInfo", Seq, 3, 4, 4, Ext | Opt, 0, null),
        new("h263Options", Seq, 5, 29, 31, Ext | Opt, 0, null),
    ];

    private static readonly Field[] _IS11172VideoCapability =
    [
        new("constrainedBitstream", Bool, 0, 0, 0, Skip, 0, null),
        new("videoBitRate", Int, Cons, 0, 0, Opt, 0, null),
        new("vbvBufferSize", Int, Cons, 0, 0, Opt, 0, null),
        new("samplesPerLine", Int, Word, 0, 0, Opt, 0, null),
        new("linesPerFrame", Int, Word, 0, 0, Opt, 0, null),
        new("pictureRate", Int, 4, 0, 0, Opt, 0, null),
        new("luminanceSampleRate", Int, Cons, 0, 0, Opt, 0, null),
        new("videoBadMBsCap", Bool, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _VideoCapability =
    [
        new("nonStandard", Seq, 0, 2, 2, Skip, 0, _H245_NonStandardParameter),
        new("h261VideoCapability", Seq, 2, 5, 6, Ext, 0, _H261VideoCapability),
        new("h262VideoCapability", Seq, 6, 17, 18, Ext, 0, _H262VideoCapability),
        new("h263VideoCapability", Seq, 7, 13, 21, Ext, 0, _H263VideoCapability),
        new("is11172VideoCapability", Seq, 6, 7, 8, Ext, 0, _IS11172VideoCapability),
        new("genericVideoCapability", Seq, 5, 6, 6, Ext, 0, null),
    ];

    private static readonly Field[] _AudioCapability_g7231 =
    [
        new("maxAl-sduAudioFrames", Int, Byte, 1, 0, Skip, 0, null),
        new("silenceSuppression", Bool, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _IS11172AudioCapability =
    [
        new("audioLayer1", Bool, 0, 0, 0, Skip, 0, null),
        new("audioLayer2", Bool, 0, 0, 0, Skip, 0, null),
        new("audioLayer3", Bool, 0, 0, 0, Skip, 0, null),
        new("audioSampling32k", Bool, 0, 0, 0, Skip, 0, null),
        new("audioSampling44k1", Bool, 0, 0, 0, Skip, 0, null),
        new("audioSampling48k", Bool, 0, 0, 0, Skip, 0, null),
        new("singleChannel", Bool, 0, 0, 0, Skip, 0, null),
        new("twoChannels", Bool, 0, 0, 0, Skip, 0, null),
        new("bitRate", Int, Word, 1, 0, Skip, 0, null),
    ];

    private static readonly Field[] _IS13818AudioCapability =
    [
        new("audioLayer1", Bool, 0, 0, 0, Skip, 0, null),
        new("audioLayer2", Bool, 0, 0, 0, Skip, 0, null),
        new("audioLayer3", Bool, 0, 0, 0, Skip, 0, null),
        new("audioSampling16k", Bool, 0, 0, 0, Skip, 0, null),
        new("audioSampling22k05", Bool, 0, 0, 0, Skip, 0, null),
        new("audioSampling24k", Bool, 0, 0, 0, Skip, 0, null),
        new("audioSampling32k", Bool, 0, 0, 0, Skip, 0, null),
        new("audioSampling44k1", Bool, 0, 0, 0, Skip, 0, null),
        new("audioSampling48k", Bool, 0, 0, 0, Skip, 0, null),
        new("singleChannel", Bool, 0, 0, 0, Skip, 0, null),
        new("twoChannels", Bool, 0, 0, 0, Skip, 0, null),
        new("threeChannels2-1", Bool, 0, 0, 0, Skip, 0, null),
        new("threeChannels3-0", Bool, 0, 0, 0, Skip, 0, null),
        new("fourChannels2-0-2-0", Bool, 0, 0, 0, Skip, 0, null),
        new("fourChannels2-2", Bool, 0, 0, 0, Skip, 0, null),
        new("fourChannels3-1", Bool, 0, 0, 0, Skip, 0, null),
        new("fiveChannels3-0-2-0", Bool, 0, 0, 0, Skip, 0, null),
        new("fiveChannels3-2", Bool, 0, 0, 0, Skip, 0, null),
        new("lowFrequencyEnhancement", Bool, 0, 0, 0, Skip, 0, null),
        new("multilingual", Bool, 0, 0, 0, Skip, 0, null),
        new("bitRate", Int, Word, 1, 0, Skip, 0, null),
    ];

    private static readonly Field[] _AudioCapability =
    [
        new("nonStandard", Seq, 0, 2, 2, Skip, 0, _H245_NonStandardParameter),
        new("g711Alaw64k", Int, Byte, 1, 0, Skip, 0, null),
        new("g711Alaw56k", Int, Byte, 1, 0, Skip, 0, null),
        new("g711Ulaw64k", Int, Byte, 1, 0, Skip, 0, null),
        new("g711Ulaw56k", Int, Byte, 1, 0, Skip, 0, null),
        new("g722-64k", Int, Byte, 1, 0, Skip, 0, null),
        new("g722-56k", Int, Byte, 1, 0, Skip, 0, null),
        new("g722-48k", Int, Byte, 1, 0, Skip, 0, null),
        new("g7231", Seq, 0, 2, 2, Skip, 0, _AudioCapability_g7231),
        new("g728", Int, Byte, 1, 0, Skip, 0, null),
        new("g729", Int, Byte, 1, 0, Skip, 0, null),
        new("g729AnnexA", Int, Byte, 1, 0, Skip, 0, null),
        new("is11172AudioCapability", Seq, 0, 9, 9, Ext, 0, _IS11172AudioCapability),
        new("is13818AudioCapability", Seq, 0, 21, 21, Ext, 0, _IS13818AudioCapability),
        new("g729wAnnexB", Int, Byte, 1, 0, Skip, 0, null),
        new("g729AnnexAwAnnexB", Int, Byte, 1, 0, Skip, 0, null),
        new("g7231AnnexCCapability", Seq, 1, 3, 3, Ext, 0, null),
        new("gsmFullRate", Seq, 0, 3, 3, Ext, 0, null),
        new("gsmHalfRate", Seq, 0, 3, 3, Ext, 0, null),
        new("gsmEnhancedFullRate", Seq, 0, 3, 3, Ext, 0, null),
        new("genericAudioCapability", Seq, 5, 6, 6, Ext, 0, null),
        new("g729Extensions", Seq, 1, 8, 8, Ext, 0, null),
    ];

    private static readonly Field[] _DataProtocolCapability =
    [
        new("nonStandard", Seq, 0, 2, 2, Skip, 0, _H245_NonStandardParameter),
        new("v14buffered", Nul, 0, 0, 0, Skip, 0, null),
        new("v42lapm", Nul, 0, 0, 0, Skip, 0, null),
        new("hdlcFrameTunnelling", Nul, 0, 0, 0, Skip, 0, null),
        new("h310SeparateVCStack", Nul, 0, 0, 0, Skip, 0, null),
        new("h310SingleVCStack", Nul, 0, 0, 0, Skip, 0, null),
        new("transparent", Nul, 0, 0, 0, Skip, 0, null),
        new("segmentationAndReassembly", Nul, 0, 0, 0, Skip, 0, null),
        new("hdlcFrameTunnelingwSAR", Nul, 0, 0, 0, Skip, 0, null),
        new("v120", Nul, 0, 0, 0, Skip, 0, null),
        new("separateLANStack", Nul, 0, 0, 0, Skip, 0, null),
        new("v76wCompression", Choice, 2, 3, 3, Ext, 0, null),
        new("tcp", Nul, 0, 0, 0, Skip, 0, null),
        new("udp", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _T84Profile_t84Restricted =
    [
        new("qcif", Bool, 0, 0, 0, Skip, 0, null),
        new("cif", Bool, 0, 0, 0, Skip, 0, null),
        new("ccir601Seq", Bool, 0, 0, 0, Skip, 0, null),
        new("ccir601Prog", Bool, 0, 0, 0, Skip, 0, null),
        new("hdtvSeq", Bool, 0, 0, 0, Skip, 0, null),
        new("hdtvProg", Bool, 0, 0, 0, Skip, 0, null),
        new("g3FacsMH200x100", Bool, 0, 0, 0, Skip, 0, null),
        new("g3FacsMH200x200", Bool, 0, 0, 0, Skip, 0, null),
        new("g4FacsMMR200x100", Bool, 0, 0, 0, Skip, 0, null),
        new("g4FacsMMR200x200", Bool, 0, 0, 0, Skip, 0, null),
        new("jbig200x200Seq", Bool, 0, 0, 0, Skip, 0, null),
        new("jbig200x200Prog", Bool, 0, 0, 0, Skip, 0, null),
        new("jbig300x300Seq", Bool, 0, 0, 0, Skip, 0, null),
        new("jbig300x300Prog", Bool, 0, 0, 0, Skip, 0, null),
        new("digPhotoLow", Bool, 0, 0, 0, Skip, 0, null),
        new("digPhotoMedSeq", Bool, 0, 0, 0, Skip, 0, null),
        new("digPhotoMedProg", Bool, 0, 0, 0, Skip, 0, null),
        new("digPhotoHighSeq", Bool, 0, 0, 0, Skip, 0, null),
        new("digPhotoHighProg", Bool, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _T84Profile =
    [
        new("t84Unrestricted", Nul, 0, 0, 0, Skip, 0, null),
        new("t84Restricted", Seq, 0, 19, 19, Ext, 0, _T84Profile_t84Restricted),
    ];

    private static readonly Field[] _DataApplicationCapability_application_t84 =
    [
        new("t84Protocol", Choice, 3, 7, 14, Ext, 0, _DataProtocolCapability),
        new("t84Profile", Choice, 1, 2, 2, Skip, 0, _T84Profile),
    ];

    private static readonly Field[] _DataApplicationCapability_application_nlpid =
    [
        new("nlpidProtocol", Choice, 3, 7, 14, Ext, 0, _DataProtocolCapability),
        new("nlpidData", OctStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _DataApplicationCapability_application =
    [
        new("nonStandard", Seq, 0, 2, 2, Skip, 0, _H245_NonStandardParameter),
        new("t120", Choice, 3, 7, 14, Decode | Ext, 1, _DataProtocolCapability),
        new("dsm-cc", Choice, 3, 7, 14, Ext, 0, _DataProtocolCapability),
        new("userData", Choice, 3, 7, 14, Ext, 0, _DataProtocolCapability),
        new("t84", Seq, 0, 2, 2, Skip, 0, _DataApplicationCapability_application_t84),
        new("t434", Choice, 3, 7, 14, Ext, 0, _DataProtocolCapability),
        new("h224", Choice, 3, 7, 14, Ext, 0, _DataProtocolCapability),
        new("nlpid", Seq, 0, 2, 2, Skip, 0, _DataApplicationCapability_application_nlpid),
        new("dsvdControl", Nul, 0, 0, 0, Skip, 0, null),
        new("h222DataPartitioning", Choice, 3, 7, 14, Ext, 0, _DataProtocolCapability),
        new("t30fax", Choice, 3, 7, 14, Ext, 0, null),
        new("t140", Choice, 3, 7, 14, Ext, 0, null),
        new("t38fax", Seq, 0, 2, 2, Skip, 0, null),
        new("genericDataCapability", Seq, 5, 6, 6, Ext, 0, null),
    ];

    private static readonly Field[] _DataApplicationCapability =
    [
        new("application", Choice, 4, 10, 14, Decode | Ext, 1, _DataApplicationCapability_application),
        new("maxBitRate", Int, Cons, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _EncryptionMode =
    [
        new("nonStandard", Seq, 0, 2, 2, Skip, 0, _H245_NonStandardParameter),
        new("h233Encryption", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _DataType =
    [
        new("nonStandard", Seq, 0, 2, 2, Skip, 0, _H245_NonStandardParameter),
        new("nullData", Nul, 0, 0, 0, Skip, 0, null),
        new("videoData", Choice, 3, 5, 6, Ext, 0, _VideoCapability),
        new("audioData", Choice, 4, 14, 22, Ext, 0, _AudioCapability),
        new("data", Seq, 0, 2, 2, Decode | Ext, 1, _DataApplicationCapability),
        new("encryptionData", Choice, 1, 2, 2, Ext, 0, _EncryptionMode),
        new("h235Control", Seq, 0, 2, 2, Skip, 0, null),
        new("h235Media", Seq, 0, 2, 2, Ext, 0, null),
        new("multiplexedStream", Seq, 0, 2, 2, Ext, 0, null),
    ];

    private static readonly Field[] _H222LogicalChannelParameters =
    [
        new("resourceID", Int, Word, 0, 0, Skip, 0, null),
        new("subChannelID", Int, Word, 0, 0, Skip, 0, null),
        new("pcr-pid", Int, Word, 0, 0, Opt, 0, null),
        new("programDescriptors", OctStr, Semi, 0, 0, Opt, 0, null),
        new("streamDescriptors", OctStr, Semi, 0, 0, Opt, 0, null),
    ];

    private static readonly Field[] _H223LogicalChannelParameters_adaptationLayerType_al3 =
    [
        new("controlFieldOctets", Int, 2, 0, 0, Skip, 0, null),
        new("sendBufferSize", Int, Cons, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H223LogicalChannelParameters_adaptationLayerType =
    [
        new("nonStandard", Seq, 0, 2, 2, Skip, 0, _H245_NonStandardParameter),
        new("al1Framed", Nul, 0, 0, 0, Skip, 0, null),
        new("al1NotFramed", Nul, 0, 0, 0, Skip, 0, null),
        new("al2WithoutSequenceNumbers", Nul, 0, 0, 0, Skip, 0, null),
        new("al2WithSequenceNumbers", Nul, 0, 0, 0, Skip, 0, null),
        new("al3", Seq, 0, 2, 2, Skip, 0, _H223LogicalChannelParameters_adaptationLayerType_al3),
        new("al1M", Seq, 0, 7, 8, Ext, 0, null),
        new("al2M", Seq, 0, 2, 2, Ext, 0, null),
        new("al3M", Seq, 0, 5, 6, Ext, 0, null),
    ];

    private static readonly Field[] _H223LogicalChannelParameters =
    [
        new("adaptationLayerType", Choice, 3, 6, 9, Ext, 0, _H223LogicalChannelParameters_adaptationLayerType),
        new("segmentableFlag", Bool, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CRCLength =
    [
        new("crc8bit", Nul, 0, 0, 0, Skip, 0, null),
        new("crc16bit", Nul, 0, 0, 0, Skip, 0, null),
        new("crc32bit", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _V76HDLCParameters =
    [
        new("crcLength", Choice, 2, 3, 3, Ext, 0, _CRCLength),
        new("n401", Int, Word, 1, 0, Skip, 0, null),
        new("loopbackTestProcedure", Bool, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _V76LogicalChannelParameters_suspendResume =
    [
        new("noSuspendResume", Nul, 0, 0, 0, Skip, 0, null),
        new("suspendResumewAddress", Nul, 0, 0, 0, Skip, 0, null),
        new("suspendResumewoAddress", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _V76LogicalChannelParameters_mode_eRM_recovery =
    [
        new("rej", Nul, 0, 0, 0, Skip, 0, null),
        new("sREJ", Nul, 0, 0, 0, Skip, 0, null),
        new("mSREJ", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _V76LogicalChannelParameters_mode_eRM =
    [
        new("windowSize", Int, 7, 1, 0, Skip, 0, null),
        new("recovery", Choice, 2, 3, 3, Ext, 0, _V76LogicalChannelParameters_mode_eRM_recovery),
    ];

    private static readonly Field[] _V76LogicalChannelParameters_mode =
    [
        new("eRM", Seq, 0, 2, 2, Ext, 0, _V76LogicalChannelParameters_mode_eRM),
        new("uNERM", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _V75Parameters =
    [
        new("audioHeaderPresent", Bool, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _V76LogicalChannelParameters =
    [
        new("hdlcParameters", Seq, 0, 3, 3, Ext, 0, _V76HDLCParameters),
        new("suspendResume", Choice, 2, 3, 3, Ext, 0, _V76LogicalChannelParameters_suspendResume),
        new("uIH", Bool, 0, 0, 0, Skip, 0, null),
        new("mode", Choice, 1, 2, 2, Ext, 0, _V76LogicalChannelParameters_mode),
        new("v75Parameters", Seq, 0, 1, 1, Ext, 0, _V75Parameters),
    ];

    private static readonly Field[] _H2250LogicalChannelParameters_nonStandard =
    [
        new("item", Seq, 0, 2, 2, Skip, 0, _H245_NonStandardParameter),
    ];

    private static readonly Field[] _UnicastAddress_iPAddress =
    [
        new("network", OctStr, Fixd, 4, 0, Decode, 1, null),
        new("tsapIdentifier", Int, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _UnicastAddress_iPXAddress =
    [
        new("node", OctStr, Fixd, 6, 0, Skip, 0, null),
        new("netnum", OctStr, Fixd, 4, 0, Skip, 0, null),
        new("tsapIdentifier", OctStr, Fixd, 2, 0, Skip, 0, null),
    ];

    private static readonly Field[] _UnicastAddress_iP6Address =
    [
        new("network", OctStr, Fixd, 16, 0, Decode, 1, null),
        new("tsapIdentifier", Int, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _UnicastAddress_iPSourceRouteAddress_routing =
    [
        new("strict", Nul, 0, 0, 0, Skip, 0, null),
        new("loose", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _UnicastAddress_iPSourceRouteAddress_route =
    [
        new("item", OctStr, Fixd, 4, 0, Skip, 0, null),
    ];

    private static readonly Field[] _UnicastAddress_iPSourceRouteAddress =
    [
        new("routing", Choice, 1, 2, 2, Skip, 0, _UnicastAddress_iPSourceRouteAddress_routing),
        new("network", OctStr, Fixd, 4, 0, Skip, 0, null),
        new("tsapIdentifier", Int, Word, 0, 0, Skip, 0, null),
        new("route", SeqOf, Semi, 0, 0, Skip, 0, _UnicastAddress_iPSourceRouteAddress_route),
    ];

    private static readonly Field[] _UnicastAddress =
    [
        new("iPAddress", Seq, 0, 2, 2, Decode | Ext, 1, _UnicastAddress_iPAddress),
        new("iPXAddress", Seq, 0, 3, 3, Ext, 0, _UnicastAddress_iPXAddress),
        new("iP6Address", Seq, 0, 2, 2, Decode | Ext, 1, _UnicastAddress_iP6Address),
        new("netBios", OctStr, Fixd, 16, 0, Skip, 0, null),
        new("iPSourceRouteAddress", Seq, 0, 4, 4, Ext, 0, _UnicastAddress_iPSourceRouteAddress),
        new("nsap", OctStr, 5, 1, 0, Skip, 0, null),
        new("nonStandardAddress", Seq, 0, 2, 2, Skip, 0, null),
    ];

    private static readonly Field[] _MulticastAddress_iPAddress =
    [
        new("network", OctStr, Fixd, 4, 0, Skip, 0, null),
        new("tsapIdentifier", Int, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _MulticastAddress_iP6Address =
    [
        new("network", OctStr, Fixd, 16, 0, Skip, 0, null),
        new("tsapIdentifier", Int, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _MulticastAddress =
    [
        new("iPAddress", Seq, 0, 2, 2, Ext, 0, _MulticastAddress_iPAddress),
        new("iP6Address", Seq, 0, 2, 2, Ext, 0, _MulticastAddress_iP6Address),
        new("nsap", OctStr, 5, 1, 0, Skip, 0, null),
        new("nonStandardAddress", Seq, 0, 2, 2, Skip, 0, null),
    ];

    private static readonly Field[] _H245_TransportAddress =
    [
        new("unicastAddress", Choice, 3, 5, 7, Decode | Ext, 1, _UnicastAddress),
        new("multicastAddress", Choice, 1, 2, 4, Ext, 0, _MulticastAddress),
    ];

    private static readonly Field[] _H2250LogicalChannelParameters =
    [
        new("nonStandard", SeqOf, Semi, 0, 0, Opt, 0, _H2250LogicalChannelParameters_nonStandard),
        new("sessionID", Int, Byte, 0, 0, Skip, 0, null),
        new("associatedSessionID", Int, 8, 1, 0, Opt, 0, null),
        new("mediaChannel", Choice, 1, 2, 2, Decode | Ext | Opt, 1, _H245_TransportAddress),
        new("mediaGuaranteedDelivery", Bool, 0, 0, 0, Opt, 0, null),
        new("mediaControlChannel", Choice, 1, 2, 2, Decode | Ext | Opt, 5, _H245_TransportAddress),
        new("mediaControlGuaranteedDelivery", Bool, 0, 0, 0, Stop | Opt, 0, null),
        new("silenceSuppression", Bool, 0, 0, 0, Stop | Opt, 0, null),
        new("destination", Seq, 0, 2, 2, Stop | Ext | Opt, 0, null),
        new("dynamicRTPPayloadType", Int, 5, 96, 0, Stop | Opt, 0, null),
        new("mediaPacketization", Choice, 0, 1, 2, Stop | Ext | Opt, 0, null),
        new("transportCapability", Seq, 3, 3, 3, Stop | Ext | Opt, 0, null),
        new("redundancyEncoding", Seq, 1, 2, 2, Stop | Ext | Opt, 0, null),
        new("source", Seq, 0, 2, 2, Ext | Opt, 0, null),
    ];

    private static readonly Field[] _OpenLogicalChannel_forwardLogicalChannelParameters_multiplexParameters =
    [
        new("h222LogicalChannelParameters", Seq, 3, 5, 5, Ext, 0, _H222LogicalChannelParameters),
        new("h223LogicalChannelParameters", Seq, 0, 2, 2, Ext, 0, _H223LogicalChannelParameters),
        new("v76LogicalChannelParameters", Seq, 0, 5, 5, Ext, 0, _V76LogicalChannelParameters),
        new("h2250LogicalChannelParameters", Seq, 10, 11, 14, Decode | Ext, 1, _H2250LogicalChannelParameters),
        new("none", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _OpenLogicalChannel_forwardLogicalChannelParameters =
    [
        new("portNumber", Int, Word, 0, 0, Opt, 0, null),
        new("dataType", Choice, 3, 6, 9, Decode | Ext, 1, _DataType),
        new("multiplexParameters", Choice, 2, 3, 5, Decode | Ext, 5, _OpenLogicalChannel_forwardLogicalChannelParameters_multiplexParameters),
        new("forwardLogicalChannelDependency", Int, Word, 1, 0, Opt, 0, null),
        new("replacementFor", Int, Word, 1, 0, Opt, 0, null),
    ];

    private static readonly Field[] _OpenLogicalChannel_reverseLogicalChannelParameters_multiplexParameters =
    [
        new("h223LogicalChannelParameters", Seq, 0, 2, 2, Ext, 0, _H223LogicalChannelParameters),
        new("v76LogicalChannelParameters", Seq, 0, 5, 5, Ext, 0, _V76LogicalChannelParameters),
        new("h2250LogicalChannelParameters", Seq, 10, 11, 14, Decode | Ext, 1, _H2250LogicalChannelParameters),
    ];

    private static readonly Field[] _OpenLogicalChannel_reverseLogicalChannelParameters =
    [
        new("dataType", Choice, 3, 6, 9, Ext, 0, _DataType),
        new("multiplexParameters", Choice, 1, 2, 3, Decode | Ext | Opt, 1, _OpenLogicalChannel_reverseLogicalChannelParameters_multiplexParameters),
        new("reverseLogicalChannelDependency", Int, Word, 1, 0, Opt, 0, null),
        new("replacementFor", Int, Word, 1, 0, Opt, 0, null),
    ];

    private static readonly Field[] _NetworkAccessParameters_distribution =
    [
        new("unicast", Nul, 0, 0, 0, Skip, 0, null),
        new("multicast", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _Q2931Address_address =
    [
        new("internationalNumber", NumStr, 4, 1, 0, Skip, 0, null),
        new("nsapAddress", OctStr, 5, 1, 0, Skip, 0, null),
    ];

    private static readonly Field[] _Q2931Address =
    [
        new("address", Choice, 1, 2, 2, Ext, 0, _Q2931Address_address),
        new("subaddress", OctStr, 5, 1, 0, Opt, 0, null),
    ];

    private static readonly Field[] _NetworkAccessParameters_networkAddress =
    [
        new("q2931Address", Seq, 1, 2, 2, Ext, 0, _Q2931Address),
        new("e164Address", NumStr, 7, 1, 0, Skip, 0, null),
        new("localAreaAddress", Choice, 1, 2, 2, Decode | Ext, 1, _H245_TransportAddress),
    ];

    private static readonly Field[] _NetworkAccessParameters =
    [
        new("distribution", Choice, 1, 2, 2, Ext | Opt, 0, _NetworkAccessParameters_distribution),
        new("networkAddress", Choice, 2, 3, 3, Decode | Ext, 1, _NetworkAccessParameters_networkAddress),
        new("associateConference", Bool, 0, 0, 0, Skip, 0, null),
        new("externalReference", OctStr, 8, 1, 0, Opt, 0, null),
        new("t120SetupProcedure", Choice, 2, 3, 3, Ext | Opt, 0, null),
    ];

    private static readonly Field[] _OpenLogicalChannel =
    [
        new("forwardLogicalChannelNumber", Int, Word, 1, 0, Skip, 0, null),
        new("forwardLogicalChannelParameters", Seq, 1, 3, 5, Decode | Ext, 1, _OpenLogicalChannel_forwardLogicalChannelParameters),
        new("reverseLogicalChannelParameters", Seq, 1, 2, 4, Decode | Ext | Opt, 16, _OpenLogicalChannel_reverseLogicalChannelParameters),
        new("separateStack", Seq, 2, 4, 5, Decode | Ext | Opt, 27, _NetworkAccessParameters),
        new("encryptionSync", Seq, 2, 4, 4, Stop | Ext | Opt, 0, null),
    ];

    private static readonly Field[] _Setup_UUIE_fastStart =
    [
        new("item", Seq, 1, 3, 5, Decode | Ext | Open, 33, _OpenLogicalChannel),
    ];

    private static readonly Field[] _Setup_UUIE =
    [
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("h245Address", Choice, 3, 7, 7, Decode | Ext | Opt, 1, _TransportAddress),
        new("sourceAddress", SeqOf, Semi, 0, 0, Opt, 0, _Setup_UUIE_sourceAddress),
        new("sourceInfo", Seq, 6, 8, 10, Ext, 0, _EndpointType),
        new("destinationAddress", SeqOf, Semi, 0, 0, Opt, 0, _Setup_UUIE_destinationAddress),
        new("destCallSignalAddress", Choice, 3, 7, 7, Decode | Ext | Opt, 4, _TransportAddress),
        new("destExtraCallInfo", SeqOf, Semi, 0, 0, Opt, 0, _Setup_UUIE_destExtraCallInfo),
        new("destExtraCRV", SeqOf, Semi, 0, 0, Opt, 0, _Setup_UUIE_destExtraCRV),
        new("activeMC", Bool, 0, 0, 0, Skip, 0, null),
        new("conferenceID", OctStr, Fixd, 16, 0, Skip, 0, null),
        new("conferenceGoal", Choice, 2, 3, 5, Ext, 0, _Setup_UUIE_conferenceGoal),
        new("callServices", Seq, 0, 8, 8, Ext | Opt, 0, _QseriesOptions),
        new("callType", Choice, 2, 4, 4, Ext, 0, _CallType),
        new("sourceCallSignalAddress", Choice, 3, 7, 7, Decode | Ext | Opt, 7, _TransportAddress),
        new("remoteExtensionAddress", Choice, 1, 2, 7, Ext | Opt, 0, null),
        new("callIdentifier", Seq, 0, 1, 1, Ext, 0, null),
        new("h245SecurityCapability", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("fastStart", SeqOf, Semi, 0, 30, Decode | Opt, 10, _Setup_UUIE_fastStart),
        new("mediaWaitForConnect", Bool, 0, 0, 0, Skip, 0, null),
        new("canOverlapSend", Bool, 0, 0, 0, Skip, 0, null),
        new("endpointIdentifier", BmpStr, 7, 1, 0, Stop | Opt, 0, null),
        new("multipleCalls", Bool, 0, 0, 0, Skip, 0, null),
        new("maintainConnection", Bool, 0, 0, 0, Skip, 0, null),
        new("connectionParameters", Seq, 0, 3, 3, Ext | Opt, 0, null),
        new("language", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("presentationIndicator", Choice, 2, 3, 3, Ext | Opt, 0, null),
        new("screeningIndicator", Enum, 2, 0, 0, Ext | Opt, 0, null),
        new("serviceControl", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("symmetricOperationRequired", Nul, 0, 0, 0, Opt, 0, null),
        new("capacity", Seq, 2, 2, 2, Ext | Opt, 0, null),
        new("circuitInfo", Seq, 3, 3, 3, Ext | Opt, 0, null),
        new("desiredProtocols", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("neededFeatures", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("desiredFeatures", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("supportedFeatures", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("parallelH245Control", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("additionalSourceAddresses", SeqOf, Semi, 0, 0, Opt, 0, null),
    ];

    private static readonly Field[] _CallProceeding_UUIE_fastStart =
    [
        new("item", Seq, 1, 3, 5, Decode | Ext | Open, 33, _OpenLogicalChannel),
    ];

    private static readonly Field[] _CallProceeding_UUIE =
    [
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("destinationInfo", Seq, 6, 8, 10, Ext, 0, _EndpointType),
        new("h245Address", Choice, 3, 7, 7, Decode | Ext | Opt, 1, _TransportAddress),
        new("callIdentifier", Seq, 0, 1, 1, Ext, 0, null),
        new("h245SecurityMode", Choice, 2, 4, 4, Ext | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("fastStart", SeqOf, Semi, 0, 30, Decode | Opt, 4, _CallProceeding_UUIE_fastStart),
        new("multipleCalls", Bool, 0, 0, 0, Skip, 0, null),
        new("maintainConnection", Bool, 0, 0, 0, Skip, 0, null),
        new("fastConnectRefused", Nul, 0, 0, 0, Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Ext | Opt, 0, null),
    ];

    private static readonly Field[] _Connect_UUIE_fastStart =
    [
        new("item", Seq, 1, 3, 5, Decode | Ext | Open, 33, _OpenLogicalChannel),
    ];

    private static readonly Field[] _Connect_UUIE =
    [
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("h245Address", Choice, 3, 7, 7, Decode | Ext | Opt, 1, _TransportAddress),
        new("destinationInfo", Seq, 6, 8, 10, Ext, 0, _EndpointType),
        new("conferenceID", OctStr, Fixd, 16, 0, Skip, 0, null),
        new("callIdentifier", Seq, 0, 1, 1, Ext, 0, null),
        new("h245SecurityMode", Choice, 2, 4, 4, Ext | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("fastStart", SeqOf, Semi, 0, 30, Decode | Opt, 4, _Connect_UUIE_fastStart),
        new("multipleCalls", Bool, 0, 0, 0, Skip, 0, null),
        new("maintainConnection", Bool, 0, 0, 0, Skip, 0, null),
        new("language", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("connectedAddress", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("presentationIndicator", Choice, 2, 3, 3, Ext | Opt, 0, null),
        new("screeningIndicator", Enum, 2, 0, 0, Ext | Opt, 0, null),
        new("fastConnectRefused", Nul, 0, 0, 0, Opt, 0, null),
        new("serviceControl", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("capacity", Seq, 2, 2, 2, Ext | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Ext | Opt, 0, null),
    ];

    private static readonly Field[] _Alerting_UUIE_fastStart =
    [
        new("item", Seq, 1, 3, 5, Decode | Ext | Open, 33, _OpenLogicalChannel),
    ];

    private static readonly Field[] _Alerting_UUIE =
    [
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("destinationInfo", Seq, 6, 8, 10, Ext, 0, _EndpointType),
        new("h245Address", Choice, 3, 7, 7, Decode | Ext | Opt, 1, _TransportAddress),
        new("callIdentifier", Seq, 0, 1, 1, Ext, 0, null),
        new("h245SecurityMode", Choice, 2, 4, 4, Ext | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("fastStart", SeqOf, Semi, 0, 30, Decode | Opt, 4, _Alerting_UUIE_fastStart),
        new("multipleCalls", Bool, 0, 0, 0, Skip, 0, null),
        new("maintainConnection", Bool, 0, 0, 0, Skip, 0, null),
        new("alertingAddress", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("presentationIndicator", Choice, 2, 3, 3, Ext | Opt, 0, null),
        new("screeningIndicator", Enum, 2, 0, 0, Ext | Opt, 0, null),
        new("fastConnectRefused", Nul, 0, 0, 0, Opt, 0, null),
        new("serviceControl", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("capacity", Seq, 2, 2, 2, Ext | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Ext | Opt, 0, null),
    ];

    private static readonly Field[] _Information_UUIE =
    [
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("callIdentifier", Seq, 0, 1, 1, Ext, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("fastStart", SeqOf, Semi, 0, 30, Opt, 0, null),
        new("fastConnectRefused", Nul, 0, 0, 0, Opt, 0, null),
        new("circuitInfo", Seq, 3, 3, 3, Ext | Opt, 0, null),
    ];

    private static readonly Field[] _ReleaseCompleteReason =
    [
        new("noBandwidth", Nul, 0, 0, 0, Skip, 0, null),
        new("gatekeeperResources", Nul, 0, 0, 0, Skip, 0, null),
        new("unreachableDestination", Nul, 0, 0, 0, Skip, 0, null),
        new("destinationRejection", Nul, 0, 0, 0, Skip, 0, null),
        new("invalidRevision", Nul, 0, 0, 0, Skip, 0, null),
        new("noPermission", Nul, 0, 0, 0, Skip, 0, null),
        new("unreachableGatekeeper", Nul, 0, 0, 0, Skip, 0, null),
        new("gatewayResources", Nul, 0, 0, 0, Skip, 0, null),
        new("badFormatAddress", Nul, 0, 0, 0, Skip, 0, null),
        new("adaptiveBusy", Nul, 0, 0, 0, Skip, 0, null),
        new("inConf", Nul, 0, 0, 0, Skip, 0, null),
        new("undefinedReason", Nul, 0, 0, 0, Skip, 0, null),
        new("facilityCallDeflection", Nul, 0, 0, 0, Skip, 0, null),
        new("securityDenied", Nul, 0, 0, 0, Skip, 0, null),
        new("calledPartyNotRegistered", Nul, 0, 0, 0, Skip, 0, null),
        new("callerNotRegistered", Nul, 0, 0, 0, Skip, 0, null),
        new("newConnectionNeeded", Nul, 0, 0, 0, Skip, 0, null),
        new("nonStandardReason", Seq, 0, 2, 2, Skip, 0, null),
        new("replaceWithConferenceInvite", OctStr, Fixd, 16, 0, Skip, 0, null),
        new("genericDataReason", Nul, 0, 0, 0, Skip, 0, null),
        new("neededFeatureNotSupported", Nul, 0, 0, 0, Skip, 0, null),
        new("tunnelledSignallingRejected", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _ReleaseComplete_UUIE =
    [
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("reason", Choice, 4, 12, 22, Ext | Opt, 0, _ReleaseCompleteReason),
        new("callIdentifier", Seq, 0, 1, 1, Ext, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("busyAddress", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("presentationIndicator", Choice, 2, 3, 3, Ext | Opt, 0, null),
        new("screeningIndicator", Enum, 2, 0, 0, Ext | Opt, 0, null),
        new("capacity", Seq, 2, 2, 2, Ext | Opt, 0, null),
        new("serviceControl", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Ext | Opt, 0, null),
    ];

    private static readonly Field[] _Facility_UUIE_alternativeAliasAddress =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _FacilityReason =
    [
        new("routeCallToGatekeeper", Nul, 0, 0, 0, Skip, 0, null),
        new("callForwarded", Nul, 0, 0, 0, Skip, 0, null),
        new("routeCallToMC", Nul, 0, 0, 0, Skip, 0, null),
        new("undefinedReason", Nul, 0, 0, 0, Skip, 0, null),
        new("conferenceListChoice", Nul, 0, 0, 0, Skip, 0, null),
        new("startH245", Nul, 0, 0, 0, Skip, 0, null),
        new("noH245", Nul, 0, 0, 0, Skip, 0, null),
        new("newTokens", Nul, 0, 0, 0, Skip, 0, null),
        new("featureSetUpdate", Nul, 0, 0, 0, Skip, 0, null),
        new("forwardedElements", Nul, 0, 0, 0, Skip, 0, null),
        new("transportedInformation", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _Facility_UUIE_fastStart =
    [
        new("item", Seq, 1, 3, 5, Decode | Ext | Open, 33, _OpenLogicalChannel),
    ];

    private static readonly Field[] _Facility_UUIE =
    [
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("alternativeAddress", Choice, 3, 7, 7, Decode | Ext | Opt, 1, _TransportAddress),
        new("alternativeAliasAddress", SeqOf, Semi, 0, 0, Opt, 0, _Facility_UUIE_alternativeAliasAddress),
        new("conferenceID", OctStr, Fixd, 16, 0, Opt, 0, null),
        new("reason", Choice, 2, 4, 11, Decode | Ext, 4, _FacilityReason),
        new("callIdentifier", Seq, 0, 1, 1, Ext, 0, null),
        new("destExtraCallInfo", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("remoteExtensionAddress", Choice, 1, 2, 7, Ext | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("conferences", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("h245Address", Choice, 3, 7, 7, Decode | Ext | Opt, 5, _TransportAddress),
        new("fastStart", SeqOf, Semi, 0, 30, Decode | Opt, 8, _Facility_UUIE_fastStart),
        new("multipleCalls", Bool, 0, 0, 0, Skip, 0, null),
        new("maintainConnection", Bool, 0, 0, 0, Skip, 0, null),
        new("fastConnectRefused", Nul, 0, 0, 0, Opt, 0, null),
        new("serviceControl", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("circuitInfo", Seq, 3, 3, 3, Ext | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Ext | Opt, 0, null),
        new("destinationInfo", Seq, 6, 8, 10, Ext | Opt, 0, null),
        new("h245SecurityMode", Choice, 2, 4, 4, Ext | Opt, 0, null),
    ];

    private static readonly Field[] _CallIdentifier =
    [
        new("guid", OctStr, Fixd, 16, 0, Skip, 0, null),
    ];

    private static readonly Field[] _SecurityServiceMode =
    [
        new("nonStandard", Seq, 0, 2, 2, Skip, 0, _NonStandardParameter),
        new("none", Nul, 0, 0, 0, Skip, 0, null),
        new("default", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _SecurityCapabilities =
    [
        new("nonStandard", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("encryption", Choice, 2, 3, 3, Ext, 0, _SecurityServiceMode),
        new("authenticaton", Choice, 2, 3, 3, Ext, 0, _SecurityServiceMode),
        new("integrity", Choice, 2, 3, 3, Ext, 0, _SecurityServiceMode),
    ];

    private static readonly Field[] _H245Security =
    [
        new("nonStandard", Seq, 0, 2, 2, Skip, 0, _NonStandardParameter),
        new("noSecurity", Nul, 0, 0, 0, Skip, 0, null),
        new("tls", Seq, 1, 4, 4, Ext, 0, _SecurityCapabilities),
        new("ipsec", Seq, 1, 4, 4, Ext, 0, _SecurityCapabilities),
    ];

    private static readonly Field[] _DHset =
    [
        new("halfkey", BitStr, Word, 0, 0, Skip, 0, null),
        new("modSize", BitStr, Word, 0, 0, Skip, 0, null),
        new("generator", BitStr, Word, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _TypedCertificate =
    [
        new("type", Oid, 9, 0, 0, Skip, 0, null),
        new("certificate", OctStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _H235_NonStandardParameter =
    [
        new("nonStandardIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("data", OctStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _ClearToken =
    [
        new("tokenOID", Oid, 9, 0, 0, Skip, 0, null),
        new("timeStamp", Int, Cons, 1, 0, Opt, 0, null),
        new("password", BmpStr, 7, 1, 0, Opt, 0, null),
        new("dhkey", Seq, 0, 3, 3, Ext | Opt, 0, _DHset),
        new("challenge", OctStr, 7, 8, 0, Opt, 0, null),
        new("random", Int, Unco, 0, 0, Opt, 0, null),
        new("certificate", Seq, 0, 2, 2, Ext | Opt, 0, _TypedCertificate),
        new("generalID", BmpStr, 7, 1, 0, Opt, 0, null),
        new("nonStandard", Seq, 0, 2, 2, Opt, 0, _H235_NonStandardParameter),
        new("eckasdhkey", Choice, 1, 2, 2, Ext | Opt, 0, null),
        new("sendersID", BmpStr, 7, 1, 0, Opt, 0, null),
    ];

    private static readonly Field[] _Progress_UUIE_tokens =
    [
        new("item", Seq, 8, 9, 11, Ext, 0, _ClearToken),
    ];

    private static readonly Field[] _Params =
    [
        new("ranInt", Int, Unco, 0, 0, Opt, 0, null),
        new("iv8", OctStr, Fixd, 8, 0, Opt, 0, null),
        new("iv16", OctStr, Fixd, 16, 0, Opt, 0, null),
    ];

    private static readonly Field[] _CryptoH323Token_cryptoEPPwdHash_token =
    [
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("hash", BitStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoH323Token_cryptoEPPwdHash =
    [
        new("alias", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
        new("timeStamp", Int, Cons, 1, 0, Skip, 0, null),
        new("token", Seq, 0, 3, 3, Skip, 0, _CryptoH323Token_cryptoEPPwdHash_token),
    ];

    private static readonly Field[] _CryptoH323Token_cryptoGKPwdHash_token =
    [
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("hash", BitStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoH323Token_cryptoGKPwdHash =
    [
        new("gatekeeperId", BmpStr, 7, 1, 0, Skip, 0, null),
        new("timeStamp", Int, Cons, 1, 0, Skip, 0, null),
        new("token", Seq, 0, 3, 3, Skip, 0, _CryptoH323Token_cryptoGKPwdHash_token),
    ];

    private static readonly Field[] _CryptoH323Token_cryptoEPPwdEncr =
    [
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("encryptedData", OctStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoH323Token_cryptoGKPwdEncr =
    [
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("encryptedData", OctStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoH323Token_cryptoEPCert =
    [
        new("toBeSigned", Seq, 8, 9, 11, Ext | Open, 0, null),
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("signature", BitStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoH323Token_cryptoGKCert =
    [
        new("toBeSigned", Seq, 8, 9, 11, Ext | Open, 0, null),
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("signature", BitStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoH323Token_cryptoFastStart =
    [
        new("toBeSigned", Seq, 8, 9, 11, Ext | Open, 0, null),
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("signature", BitStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoToken_cryptoEncryptedToken_token =
    [
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("encryptedData", OctStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoToken_cryptoEncryptedToken =
    [
        new("tokenOID", Oid, 9, 0, 0, Skip, 0, null),
        new("token", Seq, 0, 3, 3, Skip, 0, _CryptoToken_cryptoEncryptedToken_token),
    ];

    private static readonly Field[] _CryptoToken_cryptoSignedToken_token =
    [
        new("toBeSigned", Seq, 8, 9, 11, Ext | Open, 0, null),
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("signature", BitStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoToken_cryptoSignedToken =
    [
        new("tokenOID", Oid, 9, 0, 0, Skip, 0, null),
        new("token", Seq, 0, 4, 4, Skip, 0, _CryptoToken_cryptoSignedToken_token),
    ];

    private static readonly Field[] _CryptoToken_cryptoHashedToken_token =
    [
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("hash", BitStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoToken_cryptoHashedToken =
    [
        new("tokenOID", Oid, 9, 0, 0, Skip, 0, null),
        new("hashedVals", Seq, 8, 9, 11, Ext, 0, _ClearToken),
        new("token", Seq, 0, 3, 3, Skip, 0, _CryptoToken_cryptoHashedToken_token),
    ];

    private static readonly Field[] _CryptoToken_cryptoPwdEncr =
    [
        new("algorithmOID", Oid, 9, 0, 0, Skip, 0, null),
        new("paramS", Seq, 2, 2, 3, Ext, 0, _Params),
        new("encryptedData", OctStr, Semi, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _CryptoToken =
    [
        new("cryptoEncryptedToken", Seq, 0, 2, 2, Skip, 0, _CryptoToken_cryptoEncryptedToken),
        new("cryptoSignedToken", Seq, 0, 2, 2, Skip, 0, _CryptoToken_cryptoSignedToken),
        new("cryptoHashedToken", Seq, 0, 3, 3, Skip, 0, _CryptoToken_cryptoHashedToken),
        new("cryptoPwdEncr", Seq, 0, 3, 3, Skip, 0, _CryptoToken_cryptoPwdEncr),
    ];

    private static readonly Field[] _CryptoH323Token =
    [
        new("cryptoEPPwdHash", Seq, 0, 3, 3, Skip, 0, _CryptoH323Token_cryptoEPPwdHash),
        new("cryptoGKPwdHash", Seq, 0, 3, 3, Skip, 0, _CryptoH323Token_cryptoGKPwdHash),
        new("cryptoEPPwdEncr", Seq, 0, 3, 3, Skip, 0, _CryptoH323Token_cryptoEPPwdEncr),
        new("cryptoGKPwdEncr", Seq, 0, 3, 3, Skip, 0, _CryptoH323Token_cryptoGKPwdEncr),
        new("cryptoEPCert", Seq, 0, 4, 4, Skip, 0, _CryptoH323Token_cryptoEPCert),
        new("cryptoGKCert", Seq, 0, 4, 4, Skip, 0, _CryptoH323Token_cryptoGKCert),
        new("cryptoFastStart", Seq, 0, 4, 4, Skip, 0, _CryptoH323Token_cryptoFastStart),
        new("nestedcryptoToken", Choice, 2, 4, 4, Ext, 0, _CryptoToken),
    ];

    private static readonly Field[] _Progress_UUIE_cryptoTokens =
    [
        new("item", Choice, 3, 8, 8, Ext, 0, _CryptoH323Token),
    ];

    private static readonly Field[] _Progress_UUIE_fastStart =
    [
        new("item", Seq, 1, 3, 5, Decode | Ext | Open, 33, _OpenLogicalChannel),
    ];

    private static readonly Field[] _Progress_UUIE =
    [
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("destinationInfo", Seq, 6, 8, 10, Ext, 0, _EndpointType),
        new("h245Address", Choice, 3, 7, 7, Decode | Ext | Opt, 1, _TransportAddress),
        new("callIdentifier", Seq, 0, 1, 1, Ext, 0, _CallIdentifier),
        new("h245SecurityMode", Choice, 2, 4, 4, Ext | Opt, 0, _H245Security),
        new("tokens", SeqOf, Semi, 0, 0, Opt, 0, _Progress_UUIE_tokens),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Opt, 0, _Progress_UUIE_cryptoTokens),
        new("fastStart", SeqOf, Semi, 0, 30, Decode | Opt, 4, _Progress_UUIE_fastStart),
        new("multipleCalls", Bool, 0, 0, 0, Skip, 0, null),
        new("maintainConnection", Bool, 0, 0, 0, Skip, 0, null),
        new("fastConnectRefused", Nul, 0, 0, 0, Opt, 0, null),
    ];

    private static readonly Field[] _H323_UU_PDU_h323_message_body =
    [
        new("setup", Seq, 7, 13, 39, Decode | Ext, 1, _Setup_UUIE),
        new("callProceeding", Seq, 1, 3, 12, Decode | Ext, 1, _CallProceeding_UUIE),
        new("connect", Seq, 1, 4, 19, Decode | Ext, 1, _Connect_UUIE),
        new("alerting", Seq, 1, 3, 17, Decode | Ext, 1, _Alerting_UUIE),
        new("information", Seq, 0, 1, 7, Ext, 0, _Information_UUIE),
        new("releaseComplete", Seq, 1, 2, 11, Ext, 0, _ReleaseComplete_UUIE),
        new("facility", Seq, 3, 5, 21, Decode | Ext, 1, _Facility_UUIE),
        new("progress", Seq, 5, 8, 11, Decode | Ext, 1, _Progress_UUIE),
        new("empty", Nul, 0, 0, 0, Skip, 0, null),
        new("status", Seq, 2, 4, 4, Ext, 0, null),
        new("statusInquiry", Seq, 2, 4, 4, Ext, 0, null),
        new("setupAcknowledge", Seq, 2, 4, 4, Ext, 0, null),
        new("notify", Seq, 2, 4, 4, Ext, 0, null),
    ];

    private static readonly Field[] _RequestMessage =
    [
        new("nonStandard", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("masterSlaveDetermination", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("terminalCapabilitySet", Seq, 3, 5, 5, Stop | Ext, 0, null),
        new("openLogicalChannel", Seq, 1, 3, 5, Decode | Ext, 1, _OpenLogicalChannel),
        new("closeLogicalChannel", Seq, 0, 2, 3, Stop | Ext, 0, null),
        new("requestChannelClose", Seq, 0, 1, 3, Stop | Ext, 0, null),
        new("multiplexEntrySend", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("requestMultiplexEntry", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("requestMode", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("roundTripDelayRequest", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("maintenanceLoopRequest", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("communicationModeRequest", Seq, 0, 0, 0, Stop | Ext, 0, null),
        new("conferenceRequest", Choice, 3, 8, 16, Stop | Ext, 0, null),
        new("multilinkRequest", Choice, 3, 5, 5, Stop | Ext, 0, null),
        new("logicalChannelRateRequest", Seq, 0, 3, 3, Stop | Ext, 0, null),
    ];

    private static readonly Field[] _OpenLogicalChannelAck_reverseLogicalChannelParameters_multiplexParameters =
    [
        new("h222LogicalChannelParameters", Seq, 3, 5, 5, Ext, 0, _H222LogicalChannelParameters),
        new("h2250LogicalChannelParameters", Seq, 10, 11, 14, Decode | Ext, 1, _H2250LogicalChannelParameters),
    ];

    private static readonly Field[] _OpenLogicalChannelAck_reverseLogicalChannelParameters =
    [
        new("reverseLogicalChannelNumber", Int, Word, 1, 0, Skip, 0, null),
        new("portNumber", Int, Word, 0, 0, Opt, 0, null),
        new("multiplexParameters", Choice, 0, 1, 2, Decode | Ext | Opt, 1, _OpenLogicalChannelAck_reverseLogicalChannelParameters_multiplexParameters),
        new("replacementFor", Int, Word, 1, 0, Opt, 0, null),
    ];

    private static readonly Field[] _H2250LogicalChannelAckParameters_nonStandard =
    [
        new("item", Seq, 0, 2, 2, Skip, 0, _H245_NonStandardParameter),
    ];

    private static readonly Field[] _H2250LogicalChannelAckParameters =
    [
        new("nonStandard", SeqOf, Semi, 0, 0, Opt, 0, _H2250LogicalChannelAckParameters_nonStandard),
        new("sessionID", Int, 8, 1, 0, Opt, 0, null),
        new("mediaChannel", Choice, 1, 2, 2, Decode | Ext | Opt, 1, _H245_TransportAddress),
        new("mediaControlChannel", Choice, 1, 2, 2, Decode | Ext | Opt, 5, _H245_TransportAddress),
        new("dynamicRTPPayloadType", Int, 5, 96, 0, Opt, 0, null),
        new("flowControlToZero", Bool, 0, 0, 0, Skip, 0, null),
        new("portNumber", Int, Word, 0, 0, Opt, 0, null),
    ];

    private static readonly Field[] _OpenLogicalChannelAck_forwardMultiplexAckParameters =
    [
        new("h2250LogicalChannelAckParameters", Seq, 5, 5, 7, Decode | Ext, 1, _H2250LogicalChannelAckParameters),
    ];

    private static readonly Field[] _OpenLogicalChannelAck =
    [
        new("forwardLogicalChannelNumber", Int, Word, 1, 0, Skip, 0, null),
        new("reverseLogicalChannelParameters", Seq, 2, 3, 4, Decode | Ext | Opt, 1, _OpenLogicalChannelAck_reverseLogicalChannelParameters),
        new("separateStack", Seq, 2, 4, 5, Decode | Ext | Opt, 12, _NetworkAccessParameters),
        new("forwardMultiplexAckParameters", Choice, 0, 1, 1, Decode | Ext | Opt, 18, _OpenLogicalChannelAck_forwardMultiplexAckParameters),
        new("encryptionSync", Seq, 2, 4, 4, Stop | Ext | Opt, 0, null),
    ];

    private static readonly Field[] _ResponseMessage =
    [
        new("nonStandard", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("masterSlaveDeterminationAck", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("masterSlaveDeterminationReject", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("terminalCapabilitySetAck", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("terminalCapabilitySetReject", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("openLogicalChannelAck", Seq, 1, 2, 5, Decode | Ext, 1, _OpenLogicalChannelAck),
        new("openLogicalChannelReject", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("closeLogicalChannelAck", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("requestChannelCloseAck", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("requestChannelCloseReject", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("multiplexEntrySendAck", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("multiplexEntrySendReject", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("requestMultiplexEntryAck", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("requestMultiplexEntryReject", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("requestModeAck", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("requestModeReject", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("roundTripDelayResponse", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("maintenanceLoopAck", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("maintenanceLoopReject", Seq, 0, 2, 2, Stop | Ext, 0, null),
        new("communicationModeResponse", Choice, 0, 1, 1, Stop | Ext, 0, null),
        new("conferenceResponse", Choice, 3, 8, 16, Stop | Ext, 0, null),
        new("multilinkResponse", Choice, 3, 5, 5, Stop | Ext, 0, null),
        new("logicalChannelRateAcknowledge", Seq, 0, 3, 3, Stop | Ext, 0, null),
        new("logicalChannelRateReject", Seq, 1, 4, 4, Stop | Ext, 0, null),
    ];

    private static readonly Field[] _MultimediaSystemControlMessage =
    [
        new("request", Choice, 4, 11, 15, Decode | Ext, 1, _RequestMessage),
        new("response", Choice, 5, 19, 24, Decode | Ext, 1, _ResponseMessage),
        new("command", Choice, 3, 7, 12, Stop | Ext, 0, null),
        new("indication", Choice, 4, 14, 23, Stop | Ext, 0, null),
    ];

    private static readonly Field[] _H323_UU_PDU_h245Control =
    [
        new("item", Choice, 2, 4, 4, Decode | Ext | Open, 35, _MultimediaSystemControlMessage),
    ];

    private static readonly Field[] _H323_UU_PDU =
    [
        new("h323-message-body", Choice, 3, 7, 13, Decode | Ext, 1, _H323_UU_PDU_h323_message_body),
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("h4501SupplementaryService", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("h245Tunneling", Bool, 0, 0, 0, Skip, 0, null),
        new("h245Control", SeqOf, Semi, 0, 4, Decode | Opt, 1003, _H323_UU_PDU_h245Control),
        new("nonStandardControl", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("callLinkage", Seq, 2, 2, 2, Stop | Ext | Opt, 0, null),
        new("tunnelledSignallingMessage", Seq, 2, 4, 4, Stop | Ext | Opt, 0, null),
        new("provisionalRespToH245Tunneling", Nul, 0, 0, 0, Stop | Opt, 0, null),
        new("stimulusControl", Seq, 3, 3, 3, Stop | Ext | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _H323_UserInformation =
    [
        new("h323-uu-pdu", Seq, 1, 2, 11, Decode | Ext, 1, _H323_UU_PDU),
        new("user-data", Seq, 0, 2, 2, Stop | Ext | Opt, 0, null),
    ];

    private static readonly Field[] _GatekeeperRequest =
    [
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("rasAddress", Choice, 3, 7, 7, Decode | Ext, 1, _TransportAddress),
        new("endpointType", Seq, 6, 8, 10, Stop | Ext, 0, null),
        new("gatekeeperIdentifier", BmpStr, 7, 1, 0, Stop | Opt, 0, null),
        new("callServices", Seq, 0, 8, 8, Stop | Ext | Opt, 0, null),
        new("endpointAlias", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("alternateEndpoints", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("authenticationCapability", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("algorithmOIDs", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrity", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("supportsAltGK", Nul, 0, 0, 0, Stop | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Stop | Ext | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _GatekeeperConfirm =
    [
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("gatekeeperIdentifier", BmpStr, 7, 1, 0, Opt, 0, null),
        new("rasAddress", Choice, 3, 7, 7, Decode | Ext, 1, _TransportAddress),
        new("alternateGatekeeper", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("authenticationMode", Choice, 3, 7, 8, Stop | Ext | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("algorithmOID", Oid, 9, 0, 0, Stop | Opt, 0, null),
        new("integrity", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Stop | Ext | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _RegistrationRequest_callSignalAddress =
    [
        new("item", Choice, 3, 7, 7, Decode | Ext, 3, _TransportAddress),
    ];

    private static readonly Field[] _RegistrationRequest_rasAddress =
    [
        new("item", Choice, 3, 7, 7, Decode | Ext, 3, _TransportAddress),
    ];

    private static readonly Field[] _RegistrationRequest_terminalAlias =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _RegistrationRequest =
    [
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("discoveryComplete", Bool, 0, 0, 0, Skip, 0, null),
        new("callSignalAddress", SeqOf, Semi, 0, 10, Decode, 1, _RegistrationRequest_callSignalAddress),
        new("rasAddress", SeqOf, Semi, 0, 10, Decode, 32, _RegistrationRequest_rasAddress),
        new("terminalType", Seq, 6, 8, 10, Ext, 0, _EndpointType),
        new("terminalAlias", SeqOf, Semi, 0, 0, Opt, 0, _RegistrationRequest_terminalAlias),
        new("gatekeeperIdentifier", BmpStr, 7, 1, 0, Opt, 0, null),
        new("endpointVendor", Seq, 2, 3, 3, Ext, 0, _VendorIdentifier),
        new("alternateEndpoints", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("timeToLive", Int, Cons, 1, 0, Decode | Opt, 63, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("keepAlive", Bool, 0, 0, 0, Stop, 0, null),
        new("endpointIdentifier", BmpStr, 7, 1, 0, Stop | Opt, 0, null),
        new("willSupplyUUIEs", Bool, 0, 0, 0, Stop, 0, null),
        new("maintainConnection", Bool, 0, 0, 0, Stop, 0, null),
        new("alternateTransportAddresses", Seq, 1, 1, 1, Stop | Ext | Opt, 0, null),
        new("additiveRegistration", Nul, 0, 0, 0, Stop | Opt, 0, null),
        new("terminalAliasPattern", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("supportsAltGK", Nul, 0, 0, 0, Stop | Opt, 0, null),
        new("usageReportingCapability", Seq, 3, 4, 4, Stop | Ext | Opt, 0, null),
        new("multipleCalls", Bool, 0, 0, 0, Stop | Opt, 0, null),
        new("supportedH248Packages", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("callCreditCapability", Seq, 2, 2, 2, Stop | Ext | Opt, 0, null),
        new("capacityReportingCapability", Seq, 0, 1, 1, Stop | Ext | Opt, 0, null),
        new("capacity", Seq, 2, 2, 2, Stop | Ext | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Stop | Ext | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _RegistrationConfirm_callSignalAddress =
    [
        new("item", Choice, 3, 7, 7, Decode | Ext, 3, _TransportAddress),
    ];

    private static readonly Field[] _RegistrationConfirm_terminalAlias =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _RegistrationConfirm =
    [
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("protocolIdentifier", Oid, 9, 0, 0, Skip, 0, null),
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("callSignalAddress", SeqOf, Semi, 0, 10, Decode, 1, _RegistrationConfirm_callSignalAddress),
        new("terminalAlias", SeqOf, Semi, 0, 0, Opt, 0, _RegistrationConfirm_terminalAlias),
        new("gatekeeperIdentifier", BmpStr, 7, 1, 0, Opt, 0, null),
        new("endpointIdentifier", BmpStr, 7, 1, 0, Skip, 0, null),
        new("alternateGatekeeper", SeqOf, Semi, 0, 0, Opt, 0, null),
        new("timeToLive", Int, Cons, 1, 0, Decode | Opt, 32, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("willRespondToIRR", Bool, 0, 0, 0, Stop, 0, null),
        new("preGrantedARQ", Seq, 0, 4, 8, Stop | Ext | Opt, 0, null),
        new("maintainConnection", Bool, 0, 0, 0, Stop, 0, null),
        new("serviceControl", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("supportsAdditiveRegistration", Nul, 0, 0, 0, Stop | Opt, 0, null),
        new("terminalAliasPattern", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("usageSpec", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("featureServerAlias", Choice, 1, 2, 7, Stop | Ext | Opt, 0, null),
        new("capacityReportingSpec", Seq, 0, 1, 1, Stop | Ext | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Stop | Ext | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _UnregistrationRequest_callSignalAddress =
    [
        new("item", Choice, 3, 7, 7, Decode | Ext, 3, _TransportAddress),
    ];

    private static readonly Field[] _UnregistrationRequest =
    [
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("callSignalAddress", SeqOf, Semi, 0, 10, Decode, 1, _UnregistrationRequest_callSignalAddress),
        new("endpointAlias", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("nonStandardData", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("endpointIdentifier", BmpStr, 7, 1, 0, Stop | Opt, 0, null),
        new("alternateEndpoints", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("gatekeeperIdentifier", BmpStr, 7, 1, 0, Stop | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("reason", Choice, 2, 4, 5, Stop | Ext | Opt, 0, null),
        new("endpointAliasPattern", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("supportedPrefixes", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("alternateGatekeeper", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _CallModel =
    [
        new("direct", Nul, 0, 0, 0, Skip, 0, null),
        new("gatekeeperRouted", Nul, 0, 0, 0, Skip, 0, null),
    ];

    private static readonly Field[] _AdmissionRequest_destinationInfo =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _AdmissionRequest_destExtraCallInfo =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _AdmissionRequest_srcInfo =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _AdmissionRequest =
    [
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("callType", Choice, 2, 4, 4, Ext, 0, _CallType),
        new("callModel", Choice, 1, 2, 2, Ext | Opt, 0, _CallModel),
        new("endpointIdentifier", BmpStr, 7, 1, 0, Skip, 0, null),
        new("destinationInfo", SeqOf, Semi, 0, 0, Opt, 0, _AdmissionRequest_destinationInfo),
        new("destCallSignalAddress", Choice, 3, 7, 7, Decode | Ext | Opt, 1, _TransportAddress),
        new("destExtraCallInfo", SeqOf, Semi, 0, 0, Opt, 0, _AdmissionRequest_destExtraCallInfo),
        new("srcInfo", SeqOf, Semi, 0, 0, Skip, 0, _AdmissionRequest_srcInfo),
        new("srcCallSignalAddress", Choice, 3, 7, 7, Decode | Ext | Opt, 4, _TransportAddress),
        new("bandWidth", Int, Cons, 0, 0, Stop, 0, null),
        new("callReferenceValue", Int, Word, 0, 0, Stop, 0, null),
        new("nonStandardData", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("callServices", Seq, 0, 8, 8, Stop | Ext | Opt, 0, null),
        new("conferenceID", OctStr, Fixd, 16, 0, Stop, 0, null),
        new("activeMC", Bool, 0, 0, 0, Stop, 0, null),
        new("answerCall", Bool, 0, 0, 0, Stop, 0, null),
        new("canMapAlias", Bool, 0, 0, 0, Stop, 0, null),
        new("callIdentifier", Seq, 0, 1, 1, Stop | Ext, 0, null),
        new("srcAlternatives", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("destAlternatives", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("gatekeeperIdentifier", BmpStr, 7, 1, 0, Stop | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("transportQOS", Choice, 2, 3, 3, Stop | Ext | Opt, 0, null),
        new("willSupplyUUIEs", Bool, 0, 0, 0, Stop, 0, null),
        new("callLinkage", Seq, 2, 2, 2, Stop | Ext | Opt, 0, null),
        new("gatewayDataRate", Seq, 2, 3, 3, Stop | Ext | Opt, 0, null),
        new("capacity", Seq, 2, 2, 2, Stop | Ext | Opt, 0, null),
        new("circuitInfo", Seq, 3, 3, 3, Stop | Ext | Opt, 0, null),
        new("desiredProtocols", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("desiredTunnelledProtocol", Seq, 1, 2, 2, Stop | Ext | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Stop | Ext | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _AdmissionConfirm =
    [
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("bandWidth", Int, Cons, 0, 0, Skip, 0, null),
        new("callModel", Choice, 1, 2, 2, Ext, 0, _CallModel),
        new("destCallSignalAddress", Choice, 3, 7, 7, Decode | Ext, 1, _TransportAddress),
        new("irrFrequency", Int, Word, 1, 0, Stop | Opt, 0, null),
        new("nonStandardData", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("destinationInfo", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("destExtraCallInfo", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("destinationType", Seq, 6, 8, 10, Stop | Ext | Opt, 0, null),
        new("remoteExtensionAddress", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("alternateEndpoints", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("transportQOS", Choice, 2, 3, 3, Stop | Ext | Opt, 0, null),
        new("willRespondToIRR", Bool, 0, 0, 0, Stop, 0, null),
        new("uuiesRequested", Seq, 0, 9, 13, Stop | Ext, 0, null),
        new("language", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("alternateTransportAddresses", Seq, 1, 1, 1, Stop | Ext | Opt, 0, null),
        new("useSpecifiedTransport", Choice, 1, 2, 2, Stop | Ext | Opt, 0, null),
        new("circuitInfo", Seq, 3, 3, 3, Stop | Ext | Opt, 0, null),
        new("usageSpec", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("supportedProtocols", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("serviceControl", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("multipleCalls", Bool, 0, 0, 0, Stop | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Stop | Ext | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _LocationRequest_destinationInfo =
    [
        new("item", Choice, 1, 2, 7, Ext, 0, _AliasAddress),
    ];

    private static readonly Field[] _LocationRequest =
    [
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("endpointIdentifier", BmpStr, 7, 1, 0, Opt, 0, null),
        new("destinationInfo", SeqOf, Semi, 0, 0, Skip, 0, _LocationRequest_destinationInfo),
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("replyAddress", Choice, 3, 7, 7, Decode | Ext, 1, _TransportAddress),
        new("sourceInfo", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("canMapAlias", Bool, 0, 0, 0, Stop, 0, null),
        new("gatekeeperIdentifier", BmpStr, 7, 1, 0, Stop | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("desiredProtocols", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("desiredTunnelledProtocol", Seq, 1, 2, 2, Stop | Ext | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Stop | Ext | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("hopCount", Int, 8, 1, 0, Stop | Opt, 0, null),
        new("circuitInfo", Seq, 3, 3, 3, Stop | Ext | Opt, 0, null),
    ];

    private static readonly Field[] _LocationConfirm =
    [
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("callSignalAddress", Choice, 3, 7, 7, Decode | Ext, 1, _TransportAddress),
        new("rasAddress", Choice, 3, 7, 7, Decode | Ext, 4, _TransportAddress),
        new("nonStandardData", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("destinationInfo", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("destExtraCallInfo", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("destinationType", Seq, 6, 8, 10, Stop | Ext | Opt, 0, null),
        new("remoteExtensionAddress", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("alternateEndpoints", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("alternateTransportAddresses", Seq, 1, 1, 1, Stop | Ext | Opt, 0, null),
        new("supportedProtocols", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("multipleCalls", Bool, 0, 0, 0, Stop | Opt, 0, null),
        new("featureSet", Seq, 3, 4, 4, Stop | Ext | Opt, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("circuitInfo", Seq, 3, 3, 3, Stop | Ext | Opt, 0, null),
        new("serviceControl", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _InfoRequestResponse_callSignalAddress =
    [
        new("item", Choice, 3, 7, 7, Decode | Ext, 3, _TransportAddress),
    ];

    private static readonly Field[] _InfoRequestResponse =
    [
        new("nonStandardData", Seq, 0, 2, 2, Opt, 0, _NonStandardParameter),
        new("requestSeqNum", Int, Word, 1, 0, Skip, 0, null),
        new("endpointType", Seq, 6, 8, 10, Ext, 0, _EndpointType),
        new("endpointIdentifier", BmpStr, 7, 1, 0, Skip, 0, null),
        new("rasAddress", Choice, 3, 7, 7, Decode | Ext, 1, _TransportAddress),
        new("callSignalAddress", SeqOf, Semi, 0, 10, Decode, 4, _InfoRequestResponse_callSignalAddress),
        new("endpointAlias", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("perCallInfo", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("tokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("cryptoTokens", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
        new("integrityCheckValue", Seq, 0, 2, 2, Stop | Opt, 0, null),
        new("needResponse", Bool, 0, 0, 0, Stop, 0, null),
        new("capacity", Seq, 2, 2, 2, Stop | Ext | Opt, 0, null),
        new("irrStatus", Choice, 2, 4, 4, Stop | Ext | Opt, 0, null),
        new("unsolicited", Bool, 0, 0, 0, Stop, 0, null),
        new("genericData", SeqOf, Semi, 0, 0, Stop | Opt, 0, null),
    ];

    private static readonly Field[] _RasMessage =
    [
        new("gatekeeperRequest", Seq, 4, 8, 18, Decode | Ext, 1, _GatekeeperRequest),
        new("gatekeeperConfirm", Seq, 2, 5, 14, Decode | Ext, 1, _GatekeeperConfirm),
        new("gatekeeperReject", Seq, 2, 5, 11, Stop | Ext, 0, null),
        new("registrationRequest", Seq, 3, 10, 31, Decode | Ext, 1, _RegistrationRequest),
        new("registrationConfirm", Seq, 3, 7, 24, Decode | Ext, 1, _RegistrationConfirm),
        new("registrationReject", Seq, 2, 5, 11, Stop | Ext, 0, null),
        new("unregistrationRequest", Seq, 3, 5, 15, Decode | Ext, 1, _UnregistrationRequest),
        new("unregistrationConfirm", Seq, 1, 2, 6, Stop | Ext, 0, null),
        new("unregistrationReject", Seq, 1, 3, 8, Stop | Ext, 0, null),
        new("admissionRequest", Seq, 7, 16, 34, Decode | Ext, 1, _AdmissionRequest),
        new("admissionConfirm", Seq, 2, 6, 27, Decode | Ext, 1, _AdmissionConfirm),
        new("admissionReject", Seq, 1, 3, 11, Stop | Ext, 0, null),
        new("bandwidthRequest", Seq, 2, 7, 18, Stop | Ext, 0, null),
        new("bandwidthConfirm", Seq, 1, 3, 8, Stop | Ext, 0, null),
        new("bandwidthReject", Seq, 1, 4, 9, Stop | Ext, 0, null),
        new("disengageRequest", Seq, 1, 6, 19, Stop | Ext, 0, null),
        new("disengageConfirm", Seq, 1, 2, 9, Stop | Ext, 0, null),
        new("disengageReject", Seq, 1, 3, 8, Stop | Ext, 0, null),
        new("locationRequest", Seq, 2, 5, 17, Decode | Ext, 1, _LocationRequest),
        new("locationConfirm", Seq, 1, 4, 19, Decode | Ext, 1, _LocationConfirm),
        new("locationReject", Seq, 1, 3, 10, Stop | Ext, 0, null),
        new("infoRequest", Seq, 2, 4, 15, Stop | Ext, 0, null),
        new("infoRequestResponse", Seq, 3, 8, 16, Decode | Ext, 1, _InfoRequestResponse),
        new("nonStandardMessage", Seq, 0, 2, 7, Stop | Ext, 0, null),
        new("unknownMessageResponse", Seq, 0, 1, 5, Stop | Ext, 0, null),
        new("requestInProgress", Seq, 4, 6, 6, Stop | Ext, 0, null),
        new("resourcesAvailableIndicate", Seq, 4, 9, 11, Stop | Ext, 0, null),
        new("resourcesAvailableConfirm", Seq, 4, 6, 7, Stop | Ext, 0, null),
        new("infoRequestAck", Seq, 4, 5, 5, Stop | Ext, 0, null),
        new("infoRequestNak", Seq, 5, 7, 7, Stop | Ext, 0, null),
        new("serviceControlIndication", Seq, 8, 10, 10, Stop | Ext, 0, null),
        new("serviceControlResponse", Seq, 7, 8, 8, Stop | Ext, 0, null),
    ];
}

/// <summary>
/// The structs of nf_conntrack_h323_types.h and nf_conntrack_h323_asn1.h (Q931) the helpers read,
/// as word offsets (offsetof / 4, sizeof / 4), and the enum values of their choices and options.
/// A struct's first word is its choice (CHOICE), options bitmap (SEQUENCE) or count (SEQUENCE OF).
/// </summary>
internal static class H323Layout
{
    internal const int Q931_MessageType = 0;
    internal const int Q931_UUIE = 1;
    internal const int Q931_Body = 3;
    internal const int Q931_PduOptions = 2;
    internal const int Q931_H245Control = 1005;
    internal const int Q931_Size = 1146;
    internal const int Body_Setup = 1;
    internal const int Body_CallProceeding = 1;
    internal const int Body_Connect = 1;
    internal const int Body_Alerting = 1;
    internal const int Body_Facility = 1;
    internal const int Body_Progress = 1;
    internal const int Setup_H245Address = 1;
    internal const int Setup_DestCallSignalAddress = 4;
    internal const int Setup_SourceCallSignalAddress = 7;
    internal const int Setup_FastStart = 10;
    internal const int CallProceeding_H245Address = 1;
    internal const int CallProceeding_FastStart = 4;
    internal const int Connect_H245Address = 1;
    internal const int Connect_FastStart = 4;
    internal const int Alerting_H245Address = 1;
    internal const int Alerting_FastStart = 4;
    internal const int Facility_AlternativeAddress = 1;
    internal const int Facility_Reason = 4;
    internal const int Facility_H245Address = 5;
    internal const int Facility_FastStart = 8;
    internal const int Progress_H245Address = 1;
    internal const int Progress_FastStart = 4;
    internal const int FastStart_Item = 1;
    internal const int FastStart_Max = 30;
    internal const int OlcSize = 33;
    internal const int H245Control_Item = 1;
    internal const int MscmSize = 35;
    internal const int TransportAddress_Ip = 2;
    internal const int TransportAddress_Ip6 = 2;
    internal const int TransportAddressSize = 3;
    internal const int H245Address_Unicast = 1;
    internal const int Unicast_IPAddress = 2;
    internal const int Unicast_IP6Address = 2;
    internal const int H2250_MediaChannel = 1;
    internal const int H2250_MediaControlChannel = 5;
    internal const int Olc_Forward = 1;
    internal const int Olc_Reverse = 16;
    internal const int Olc_SeparateStack = 27;
    internal const int Forward_DataType = 1;
    internal const int Forward_Multiplex = 5;
    internal const int Multiplex_H2250 = 1;
    internal const int Reverse_Multiplex = 1;
    internal const int ReverseMultiplex_H2250 = 1;
    internal const int DataType_Application = 2;
    internal const int Application_T120 = 1;
    internal const int Network_Address = 1;
    internal const int NetworkAddress_LocalArea = 1;
    internal const int Olca_Reverse = 1;
    internal const int Olca_SeparateStack = 12;
    internal const int Olca_ForwardMultiplexAck = 18;
    internal const int OlcaReverse_Multiplex = 1;
    internal const int OlcaReverseMultiplex_H2250 = 1;
    internal const int ForwardMultiplexAck_H2250Ack = 1;
    internal const int H2250Ack_MediaChannel = 1;
    internal const int H2250Ack_MediaControlChannel = 5;
    internal const int Mscm_Request = 1;
    internal const int Mscm_Response = 1;
    internal const int Request_Olc = 1;
    internal const int Response_Olca = 1;
    internal const int Ras_Body = 1;
    internal const int Ras_Size = 65;
    internal const int Gcf_RasAddress = 1;
    internal const int Rrq_CallSignalAddress = 1;
    internal const int Rrq_RasAddress = 32;
    internal const int Rrq_TimeToLive = 63;
    internal const int Rcf_TimeToLive = 32;
    internal const int Acf_DestCallSignalAddress = 1;
    internal const int Lcf_CallSignalAddress = 1;
    internal const int AddressList_Item = 1;
    internal const uint eSetup_UUIE_h245Address = 0x80000000;
    internal const uint eSetup_UUIE_destCallSignalAddress = 0x10000000;
    internal const uint eSetup_UUIE_sourceCallSignalAddress = 0x1000000;
    internal const uint eSetup_UUIE_fastStart = 0x40000;
    internal const uint eCallProceeding_UUIE_h245Address = 0x80000000;
    internal const uint eCallProceeding_UUIE_fastStart = 0x4000000;
    internal const uint eConnect_UUIE_h245Address = 0x80000000;
    internal const uint eConnect_UUIE_fastStart = 0x4000000;
    internal const uint eAlerting_UUIE_h245Address = 0x80000000;
    internal const uint eAlerting_UUIE_fastStart = 0x4000000;
    internal const uint eFacility_UUIE_alternativeAddress = 0x80000000;
    internal const uint eFacility_UUIE_h245Address = 0x400000;
    internal const uint eFacility_UUIE_fastStart = 0x200000;
    internal const uint eProgress_UUIE_h245Address = 0x80000000;
    internal const uint eProgress_UUIE_fastStart = 0x8000000;
    internal const uint eH323_UU_PDU_h245Control = 0x10000000;
    internal const uint eFacilityReason_callForwarded = 0x1;
    internal const uint eH2250LogicalChannelParameters_mediaChannel = 0x20000000;
    internal const uint eH2250LogicalChannelParameters_mediaControlChannel = 0x8000000;
    internal const uint eOpenLogicalChannel_reverseLogicalChannelParameters = 0x80000000;
    internal const uint eOpenLogicalChannel_separateStack = 0x40000000;
    internal const uint eOpenLogicalChannel_reverseLogicalChannelParameters_multiplexParameters = 0x80000000;
    internal const uint eOpenLogicalChannel_forwardLogicalChannelParameters_multiplexParameters_h2250LogicalChannelParameters = 0x3;
    internal const uint eOpenLogicalChannel_reverseLogicalChannelParameters_multiplexParameters_h2250LogicalChannelParameters = 0x2;
    internal const uint eDataType_data = 0x4;
    internal const uint eDataApplicationCapability_application_t120 = 0x1;
    internal const uint eDataProtocolCapability_separateLANStack = 0xa;
    internal const uint eNetworkAccessParameters_networkAddress_localAreaAddress = 0x2;
    internal const uint eOpenLogicalChannelAck_reverseLogicalChannelParameters = 0x80000000;
    internal const uint eOpenLogicalChannelAck_reverseLogicalChannelParameters_multiplexParameters = 0x40000000;
    internal const uint eOpenLogicalChannelAck_reverseLogicalChannelParameters_multiplexParameters_h2250LogicalChannelParameters = 0x1;
    internal const uint eOpenLogicalChannelAck_forwardMultiplexAckParameters = 0x20000000;
    internal const uint eOpenLogicalChannelAck_forwardMultiplexAckParameters_h2250LogicalChannelAckParameters = 0x0;
    internal const uint eH2250LogicalChannelAckParameters_mediaChannel = 0x20000000;
    internal const uint eH2250LogicalChannelAckParameters_mediaControlChannel = 0x10000000;
    internal const uint eOpenLogicalChannelAck_separateStack = 0x40000000;
    internal const uint eMultimediaSystemControlMessage_request = 0x0;
    internal const uint eMultimediaSystemControlMessage_response = 0x1;
    internal const uint eRequestMessage_openLogicalChannel = 0x3;
    internal const uint eResponseMessage_openLogicalChannelAck = 0x5;
    internal const uint eH245_TransportAddress_unicastAddress = 0x0;
    internal const uint eUnicastAddress_iPAddress = 0x0;
    internal const uint eUnicastAddress_iP6Address = 0x2;
    internal const uint eTransportAddress_ipAddress = 0x0;
    internal const uint eTransportAddress_ip6Address = 0x3;
    internal const uint eH323_UU_PDU_h323_message_body_setup = 0x0;
    internal const uint eH323_UU_PDU_h323_message_body_callProceeding = 0x1;
    internal const uint eH323_UU_PDU_h323_message_body_connect = 0x2;
    internal const uint eH323_UU_PDU_h323_message_body_alerting = 0x3;
    internal const uint eH323_UU_PDU_h323_message_body_facility = 0x6;
    internal const uint eH323_UU_PDU_h323_message_body_progress = 0x7;
    internal const uint eRasMessage_gatekeeperRequest = 0x0;
    internal const uint eRasMessage_gatekeeperConfirm = 0x1;
    internal const uint eRasMessage_registrationRequest = 0x3;
    internal const uint eRasMessage_registrationConfirm = 0x4;
    internal const uint eRasMessage_unregistrationRequest = 0x6;
    internal const uint eRasMessage_admissionRequest = 0x9;
    internal const uint eRasMessage_admissionConfirm = 0xa;
    internal const uint eRasMessage_locationRequest = 0x12;
    internal const uint eRasMessage_locationConfirm = 0x13;
    internal const uint eRasMessage_infoRequestResponse = 0x16;
    internal const uint eRegistrationRequest_timeToLive = 0x8000000;
    internal const uint eRegistrationConfirm_timeToLive = 0x8000000;
}
