namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_h323_asn1.c: the kernel's PER (aligned) decoder for the parts of H.225 (RAS and the
/// Q.931 user-user information) and H.245 that the H.323 helpers need. It walks the generated type
/// tables of nf_conntrack_h323_types.c (<see cref="H323Types"/>) and writes what they mark DECODE
/// (choices, option bitmaps, counts, address offsets, timeToLive) into a word array laid out as the
/// kernel's structs of nf_conntrack_h323_types.h (<see cref="H323Layout"/>); everything else is
/// skipped. Its quirks are the kernel's: a STOP field ends the decoding of its sequence without an
/// error (the parent goes on from wherever that left the bit position), a choice beyond the table or
/// an extension addition beyond it is skipped by its length, and the structures are not cleared
/// between messages. Any byte string decodes or fails with <see cref="ErrorBound"/> /
/// <see cref="ErrorRange"/>; a read past the end of the buffer gives 0 where the kernel would read
/// whatever follows, and every such read is followed by a bound check that fails.
/// </summary>
internal static partial class H323Asn1
{
    /// <summary>H323_ERROR_NONE: decoded.</summary>
    public const int ErrorNone = 0;

    /// <summary>H323_ERROR_STOP: decoding stopped at a field the tables do not describe; not an error.</summary>
    public const int ErrorStop = 1;

    /// <summary>H323_ERROR_BOUND: the message ended too soon.</summary>
    public const int ErrorBound = -1;

    /// <summary>H323_ERROR_RANGE: a value the type does not allow.</summary>
    public const int ErrorRange = -2;

    // ASN.1 types (field_t.type).
    private const byte Nul = 0, Bool = 1, Oid = 2, Int = 3, Enum = 4, BitStr = 5, NumStr = 6, OctStr = 7, BmpStr = 8, Seq = 9, SeqOf = 10, Choice = 11;

    // Constraint types (field_t.sz for sized types); 1-8 are a number of bits.
    private const byte Fixd = 0, Byte = 9, Word = 10, Cons = 11, Semi = 12, Unco = 13;

    // Attributes (field_t.attr).
    private const ushort Skip = 0, Stop = 1, Decode = 2, Ext = 4, Open = 8, Opt = 16;

    /// <summary>A NULL base: nothing is written.</summary>
    private const int Null = int.MinValue;

    /// <summary>struct field_t: offsets and item sizes are in 32-bit words of the structs.</summary>
    internal sealed class Field(string name, byte type, byte sz, byte lb, byte ub, int attr, int offset, Field[]? fields)
    {
        public readonly string Name = name;
        public readonly byte Type = type;
        public readonly byte Sz = sz;
        public readonly byte Lb = lb;
        public readonly byte Ub = ub;
        public readonly ushort Attr = (ushort)attr;
        public readonly int Offset = offset;
        public readonly Field[]? Fields = fields;

        public override string ToString() => Name;
    }

    /// <summary>struct bitstr: positions are indexes into <see cref="Buf"/> (the kernel's buf).</summary>
    private ref struct BitStream
    {
        public ReadOnlySpan<byte> Buf;
        public int Cur;
        public int End;
        public int Bit;
        public uint[] Mem;

        /// <summary>*ptr: a byte of the buffer, 0 past what the packet holds.</summary>
        public readonly uint At(int i) => (uint)i < (uint)Buf.Length ? Buf[i] : 0u;
    }

    /// <summary>
    /// The top-level types of DecodeRasMessage, DecodeH323_UserInformation and
    /// DecodeMultimediaSystemControlMessage; a class of their own, so that the tables (static
    /// fields of the other part of this class, whose order against these is not defined) exist first.
    /// </summary>
    private static class Root
    {
        public static readonly Field RasMessage = new("RasMessage", Choice, 5, 24, 32, Decode | Ext, 0, _RasMessage);
        public static readonly Field H323UserInformation = new("H323-UserInformation", Seq, 1, 2, 2, Decode | Ext, 0, _H323_UserInformation);
        public static readonly Field MultimediaSystemControlMessage = new("MultimediaSystemControlMessage", Choice, 2, 4, 4, Decode | Ext, 0, _MultimediaSystemControlMessage);
    }

    /// <summary>DecodeRasMessage: a RasMessage into <paramref name="ras"/> (a RasMessage's words).</summary>
    public static int DecodeRasMessage(ReadOnlySpan<byte> buf, int size, uint[] ras)
    {
        var bs = new BitStream { Buf = buf, Cur = 0, End = size, Bit = 0, Mem = ras };
        return DecodeChoice(ref bs, Root.RasMessage, 0);
    }

    /// <summary>DecodeMultimediaSystemControlMessage: an H.245 message into <paramref name="mscm"/>.</summary>
    public static int DecodeMultimediaSystemControlMessage(ReadOnlySpan<byte> buf, int size, uint[] mscm)
    {
        var bs = new BitStream { Buf = buf, Cur = 0, End = size, Bit = 0, Mem = mscm };
        return DecodeChoice(ref bs, Root.MultimediaSystemControlMessage, 0);
    }

    /// <summary>
    /// DecodeQ931: the protocol discriminator (8), the call reference, the message type, then the
    /// information elements up to the user-user element (0x7e), whose contents after the protocol
    /// discriminator byte are the H323-UserInformation. Offsets written are from the start of the
    /// Q.931 message.
    /// </summary>
    public static int DecodeQ931(ReadOnlySpan<byte> buf, int size, uint[] q931)
    {
        var p = 0;
        var sz = size;
        if (sz < 1) return ErrorBound;
        // Protocol Discriminator
        if (At(buf, p) != 0x08) return ErrorRange;
        p++;
        sz--;
        // CallReferenceValue
        if (sz < 1) return ErrorBound;
        var len = (int)At(buf, p++);
        sz--;
        if (sz < len) return ErrorBound;
        p += len;
        sz -= len;
        // Message Type
        if (sz < 2) return ErrorBound;
        q931[H323Layout.Q931_MessageType] = At(buf, p++);
        sz--;
        if ((At(buf, p) & 0x80) != 0)
        {
            p++;
            sz--;
        }
        // Decode Information Elements
        while (sz > 0)
        {
            if (At(buf, p) == 0x7e)
            {
                // UserUserIE
                if (sz < 3) break;
                p++;
                len = (int)At(buf, p++) << 8;
                len |= (int)At(buf, p++);
                sz -= 3;
                if (sz < len) break;
                p++;
                len--;
                return DecodeH323UserInformation(buf, p, len, q931);
            }
            p++;
            sz--;
            if (sz < 1) break;
            len = (int)At(buf, p++);
            sz--;
            if (sz < len) break;
            p += len;
            sz -= len;
        }
        // Q.931 UUIE not found
        return ErrorBound;
    }

    /// <summary>DecodeH323_UserInformation: from <paramref name="beg"/>, <paramref name="size"/> bytes (-1 when the element was empty).</summary>
    private static int DecodeH323UserInformation(ReadOnlySpan<byte> buf, int beg, int size, uint[] q931)
    {
        var bs = new BitStream { Buf = buf, Cur = beg, End = beg + size, Bit = 0, Mem = q931 };
        return DecodeSeq(ref bs, Root.H323UserInformation, H323Layout.Q931_UUIE);
    }

    private static uint At(ReadOnlySpan<byte> buf, int i) => (uint)i < (uint)buf.Length ? buf[i] : 0u;

    // ---- Tool functions ----

    /// <summary>INC_BIT.</summary>
    private static void IncBit(ref BitStream bs)
    {
        if (++bs.Bit > 7)
        {
            bs.Cur++;
            bs.Bit = 0;
        }
    }

    /// <summary>INC_BITS.</summary>
    private static void IncBits(ref BitStream bs, int b)
    {
        if ((bs.Bit += b) > 7)
        {
            bs.Cur += bs.Bit >> 3;
            bs.Bit &= 7;
        }
    }

    /// <summary>BYTE_ALIGN.</summary>
    private static void ByteAlign(ref BitStream bs)
    {
        if (bs.Bit != 0)
        {
            bs.Cur++;
            bs.Bit = 0;
        }
    }

    /// <summary>get_len: a length determinant (assumes alignment), up to 16383.</summary>
    private static int GetLen(ref BitStream bs)
    {
        var v = bs.At(bs.Cur++);
        if ((v & 0x80) != 0)
        {
            v &= 0x3f;
            v <<= 8;
            v += bs.At(bs.Cur++);
        }
        return (int)v;
    }

    /// <summary>nf_h323_error_boundary: would reading this many more bytes and bits pass the end?</summary>
    private static bool ErrorBoundary(ref BitStream bs, long bytes, long bits)
    {
        bits += bs.Bit;
        bytes += bits / 8;
        if (bits % 8 > 0) bytes++;
        return bs.Cur + bytes > bs.End;
    }

    /// <summary>get_bit.</summary>
    private static uint GetBit(ref BitStream bs)
    {
        var b = bs.At(bs.Cur) & (0x80u >> bs.Bit);
        IncBit(ref bs);
        return b;
    }

    /// <summary>get_bits: up to 8 bits.</summary>
    private static uint GetBits(ref BitStream bs, int b)
    {
        var v = bs.At(bs.Cur) & (0xffu >> bs.Bit);
        var l = b + bs.Bit;
        if (l < 8)
        {
            v >>= 8 - l;
            bs.Bit = l;
        }
        else if (l == 8)
        {
            bs.Cur++;
            bs.Bit = 0;
        }
        else
        {
            v <<= 8;
            v += bs.At(++bs.Cur);
            v >>= 16 - l;
            bs.Bit = l - 8;
        }
        return v;
    }

    /// <summary>get_bitmap: up to 32 bits, left-aligned.</summary>
    private static uint GetBitmap(ref BitStream bs, int b)
    {
        if (b == 0) return 0;
        uint v;
        var l = bs.Bit + b;
        if (l < 8)
        {
            v = bs.At(bs.Cur) << (bs.Bit + 24);
            bs.Bit = l;
        }
        else if (l == 8)
        {
            v = bs.At(bs.Cur++) << (bs.Bit + 24);
            bs.Bit = 0;
        }
        else
        {
            int bytes, shift;
            for (bytes = l >> 3, shift = 24, v = 0; bytes > 0; bytes--, shift -= 8)
                v |= bs.At(bs.Cur++) << shift;
            if (l < 32)
            {
                v |= bs.At(bs.Cur) << shift;
                v <<= bs.Bit;
            }
            else if (l > 32)
            {
                v <<= bs.Bit;
                v |= bs.At(bs.Cur) >> (8 - bs.Bit);
            }
            bs.Bit = l & 7;
        }
        v &= 0xffffffffu << (32 - b);
        return v;
    }

    /// <summary>get_uint: b (1-4) bytes, big-endian (assumes alignment).</summary>
    private static uint GetUInt(ref BitStream bs, int b)
    {
        uint v = 0;
        for (var i = 0; i < b; i++) v = (v << 8) | bs.At(bs.Cur++);
        return v;
    }

    private static void Write(ref BitStream bs, int at, uint value) => bs.Mem[at] = value;

    // ---- Decoder functions (the Decoders[] vector) ----

    private static int DecodeField(ref BitStream bs, Field f, int b) => f.Type switch
    {
        Nul => ErrorNone,
        Bool => DecodeBool(ref bs),
        Oid => DecodeOid(ref bs),
        Int => DecodeInt(ref bs, f, b),
        Enum => DecodeEnum(ref bs, f),
        BitStr => DecodeBitStr(ref bs, f),
        NumStr => DecodeNumStr(ref bs, f),
        OctStr => DecodeOctStr(ref bs, f, b),
        BmpStr => DecodeBmpStr(ref bs, f),
        Seq => DecodeSeq(ref bs, f, b),
        SeqOf => DecodeSeqOf(ref bs, f, b),
        Choice => DecodeChoice(ref bs, f, b),
        _ => ErrorRange,
    };

    /// <summary>decode_bool.</summary>
    private static int DecodeBool(ref BitStream bs)
    {
        IncBit(ref bs);
        return ErrorBoundary(ref bs, 0, 0) ? ErrorBound : ErrorNone;
    }

    /// <summary>decode_oid: a length byte and that many bytes.</summary>
    private static int DecodeOid(ref BitStream bs)
    {
        ByteAlign(ref bs);
        if (ErrorBoundary(ref bs, 1, 0)) return ErrorBound;
        var len = (int)bs.At(bs.Cur++);
        bs.Cur += len;
        return ErrorBoundary(ref bs, 0, 0) ? ErrorBound : ErrorNone;
    }

    /// <summary>decode_int: skipped by its constraint; CONS with DECODE (timeToLive) is stored, plus the lower bound.</summary>
    private static int DecodeInt(ref BitStream bs, Field f, int b)
    {
        int len;
        switch (f.Sz)
        {
            case Byte: // Range == 256
                ByteAlign(ref bs);
                bs.Cur++;
                break;
            case Word: // 257 <= Range <= 64K
                ByteAlign(ref bs);
                bs.Cur += 2;
                break;
            case Cons: // 64K < Range < 4G
                if (ErrorBoundary(ref bs, 0, 2)) return ErrorBound;
                len = (int)GetBits(ref bs, 2) + 1;
                // (The check stable kernels added before the value is read; the final one fails alike without it.)
                if (ErrorBoundary(ref bs, len, 0)) return ErrorBound;
                ByteAlign(ref bs);
                if (b != Null && (f.Attr & Decode) != 0)
                {
                    // timeToLive. get_uint moves past the value and so does the line after it: a decoded
                    // value is skipped twice, so one that ends its message fails the bound check.
                    var v = GetUInt(ref bs, len) + f.Lb;
                    Write(ref bs, b + f.Offset, v);
                }
                bs.Cur += len;
                break;
            case Unco:
                ByteAlign(ref bs);
                if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
                len = GetLen(ref bs);
                bs.Cur += len;
                break;
            default: // 2 <= Range <= 255
                IncBits(ref bs, f.Sz);
                break;
        }
        return ErrorBoundary(ref bs, 0, 0) ? ErrorBound : ErrorNone;
    }

    /// <summary>decode_enum.</summary>
    private static int DecodeEnum(ref BitStream bs, Field f)
    {
        if ((f.Attr & Ext) != 0 && GetBit(ref bs) != 0) IncBits(ref bs, 7);
        else IncBits(ref bs, f.Sz);
        return ErrorBoundary(ref bs, 0, 0) ? ErrorBound : ErrorNone;
    }

    /// <summary>decode_bitstr.</summary>
    private static int DecodeBitStr(ref BitStream bs, Field f)
    {
        int len;
        ByteAlign(ref bs);
        switch (f.Sz)
        {
            case Fixd: // fixed length > 16
                len = f.Lb;
                break;
            case Word: // 2-byte length
                if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
                len = (int)bs.At(bs.Cur++) << 8;
                len += (int)bs.At(bs.Cur++) + f.Lb;
                break;
            case Semi:
                if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
                len = GetLen(ref bs);
                break;
            default:
                len = 0;
                break;
        }
        bs.Cur += len >> 3;
        bs.Bit = len & 7;
        return ErrorBoundary(ref bs, 0, 0) ? ErrorBound : ErrorNone;
    }

    /// <summary>decode_numstr: a length in sz bits, then 4 bits a digit.</summary>
    private static int DecodeNumStr(ref BitStream bs, Field f)
    {
        // 2 <= Range <= 255
        if (ErrorBoundary(ref bs, 0, f.Sz)) return ErrorBound;
        var len = (int)GetBits(ref bs, f.Sz) + f.Lb;
        ByteAlign(ref bs);
        IncBits(ref bs, len << 2);
        return ErrorBoundary(ref bs, 0, 0) ? ErrorBound : ErrorNone;
    }

    /// <summary>decode_octstr: a fixed one longer than 2 bytes with DECODE is an address, whose offset is stored.</summary>
    private static int DecodeOctStr(ref BitStream bs, Field f, int b)
    {
        int len;
        switch (f.Sz)
        {
            case Fixd: // Range == 1
                if (f.Lb > 2)
                {
                    ByteAlign(ref bs);
                    // The IP Address
                    if (b != Null && (f.Attr & Decode) != 0) Write(ref bs, b + f.Offset, (uint)bs.Cur);
                }
                len = f.Lb;
                break;
            case Byte: // Range == 256
                ByteAlign(ref bs);
                if (ErrorBoundary(ref bs, 1, 0)) return ErrorBound;
                len = (int)bs.At(bs.Cur++) + f.Lb;
                break;
            case Semi:
                ByteAlign(ref bs);
                if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
                len = GetLen(ref bs) + f.Lb;
                break;
            default: // 2 <= Range <= 255
                if (ErrorBoundary(ref bs, 0, f.Sz)) return ErrorBound;
                len = (int)GetBits(ref bs, f.Sz) + f.Lb;
                ByteAlign(ref bs);
                break;
        }
        bs.Cur += len;
        return ErrorBoundary(ref bs, 0, 0) ? ErrorBound : ErrorNone;
    }

    /// <summary>decode_bmpstr: two bytes a character.</summary>
    private static int DecodeBmpStr(ref BitStream bs, Field f)
    {
        int len;
        switch (f.Sz)
        {
            case Byte: // Range == 256
                ByteAlign(ref bs);
                if (ErrorBoundary(ref bs, 1, 0)) return ErrorBound;
                len = (int)bs.At(bs.Cur++) + f.Lb;
                break;
            default: // 2 <= Range <= 255
                if (ErrorBoundary(ref bs, 0, f.Sz)) return ErrorBound;
                len = (int)GetBits(ref bs, f.Sz) + f.Lb;
                ByteAlign(ref bs);
                break;
        }
        bs.Cur += len << 1;
        return ErrorBoundary(ref bs, 0, 0) ? ErrorBound : ErrorNone;
    }

    /// <summary>
    /// decode_seq: the extension bit, the bitmap of optional root components (stored as the
    /// struct's options), the root components, then the extension additions (each an open type;
    /// their presence bits are or-ed into the options after the root's).
    /// </summary>
    private static int DecodeSeq(ref BitStream bs, Field f, int b)
    {
        int err;
        // Decode?
        b = b != Null && (f.Attr & Decode) != 0 ? b + f.Offset : Null;
        // Extensible?
        if (ErrorBoundary(ref bs, 0, 1)) return ErrorBound;
        var ext = (f.Attr & Ext) != 0 ? GetBit(ref bs) : 0;
        // Get fields bitmap
        if (ErrorBoundary(ref bs, 0, f.Sz)) return ErrorBound;
        if (f.Sz > 32) return ErrorRange;
        var bmp = GetBitmap(ref bs, f.Sz);
        if (b != Null) Write(ref bs, b, bmp);
        var fields = f.Fields;

        // Decode the root components
        int i, opt;
        for (i = opt = 0; i < f.Lb; i++)
        {
            if (fields is null) return ErrorRange; // no table: the kernel's tables never get here
            var son = fields[i];
            if ((son.Attr & Stop) != 0) return ErrorStop;
            if ((son.Attr & Opt) != 0)
            {
                // Optional component: not present?
                if (((0x80000000u >> opt++) & bmp) == 0) continue;
            }
            // Decode
            if ((son.Attr & Open) != 0)
            {
                // Open field
                if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
                var len = GetLen(ref bs);
                if (ErrorBoundary(ref bs, len, 0)) return ErrorBound;
                if (b == Null || (son.Attr & Decode) == 0)
                {
                    bs.Cur += len;
                    continue;
                }
                var beg = bs.Cur;
                if ((err = DecodeField(ref bs, son, b)) < ErrorNone) return err;
                bs.Cur = beg + len;
                bs.Bit = 0;
            }
            else if ((err = DecodeField(ref bs, son, b)) < ErrorNone) return err;
        }

        // No extension?
        if (ext == 0) return ErrorNone;

        // Get the extension bitmap
        if (ErrorBoundary(ref bs, 0, 7)) return ErrorBound;
        var bmp2Len = (int)GetBits(ref bs, 7) + 1;
        if (ErrorBoundary(ref bs, 0, bmp2Len)) return ErrorBound;
        if (bmp2Len > 32) return ErrorRange;
        var bmp2 = GetBitmap(ref bs, bmp2Len);
        bmp |= bmp2 >> f.Sz;
        if (b != Null) Write(ref bs, b, bmp);
        ByteAlign(ref bs);

        // Decode the extension components
        for (opt = 0; opt < bmp2Len; opt++, i++)
        {
            int len;
            // Check Range
            if (i >= f.Ub)
            {
                // Newer Version?
                if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
                len = GetLen(ref bs);
                if (ErrorBoundary(ref bs, len, 0)) return ErrorBound;
                bs.Cur += len;
                continue;
            }
            if (fields is null) return ErrorRange; // no table: the kernel's tables never get here
            var son = fields[i];
            if ((son.Attr & Stop) != 0) return ErrorStop;
            if (((0x80000000u >> opt) & bmp2) == 0) continue; // Not present
            if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
            len = GetLen(ref bs);
            if (ErrorBoundary(ref bs, len, 0)) return ErrorBound;
            if (b == Null || (son.Attr & Decode) == 0)
            {
                bs.Cur += len;
                continue;
            }
            var beg = bs.Cur;
            if ((err = DecodeField(ref bs, son, b)) < ErrorNone) return err;
            bs.Cur = beg + len;
            bs.Bit = 0;
        }
        return ErrorNone;
    }

    /// <summary>
    /// decode_seqof: the count (stored as the struct's count, at most ub; the rest are decoded
    /// but not stored), then the items, each item's offset being the item's size.
    /// </summary>
    private static int DecodeSeqOf(ref BitStream bs, Field f, int b)
    {
        int count, err;
        var effectiveCount = 0;
        // Decode?
        b = b != Null && (f.Attr & Decode) != 0 ? b + f.Offset : Null;
        // Decode item count
        switch (f.Sz)
        {
            case Byte:
                ByteAlign(ref bs);
                if (ErrorBoundary(ref bs, 1, 0)) return ErrorBound;
                count = (int)bs.At(bs.Cur++);
                break;
            case Word:
                ByteAlign(ref bs);
                if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
                count = (int)bs.At(bs.Cur++);
                count <<= 8;
                count += (int)bs.At(bs.Cur++);
                break;
            case Semi:
                ByteAlign(ref bs);
                if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
                count = GetLen(ref bs);
                break;
            default:
                if (ErrorBoundary(ref bs, 0, f.Sz)) return ErrorBound;
                count = (int)GetBits(ref bs, f.Sz);
                break;
        }
        count += f.Lb;

        // Write Count
        if (b != Null)
        {
            effectiveCount = count > f.Ub ? f.Ub : count;
            Write(ref bs, b, (uint)effectiveCount);
            b += 1;
        }
        if (count == 0) return ErrorNone;
        var son = f.Fields?[0];
        if (son is null) return ErrorRange; // no table: the kernel's tables never get here

        // Decode nested field
        if (b != Null) b -= son.Offset;
        for (var i = 0; i < count; i++)
        {
            if ((son.Attr & Open) != 0)
            {
                ByteAlign(ref bs);
                if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
                var len = GetLen(ref bs);
                if (ErrorBoundary(ref bs, len, 0)) return ErrorBound;
                if (b == Null || (son.Attr & Decode) == 0)
                {
                    bs.Cur += len;
                    continue;
                }
                var beg = bs.Cur;
                if ((err = DecodeField(ref bs, son, i < effectiveCount ? b : Null)) < ErrorNone) return err;
                bs.Cur = beg + len;
                bs.Bit = 0;
            }
            else if ((err = DecodeField(ref bs, son, i < effectiveCount ? b : Null)) < ErrorNone) return err;
            if (b != Null) b += son.Offset;
        }
        return ErrorNone;
    }

    /// <summary>
    /// decode_choice: the index (stored as the struct's choice); an extension alternative, or one
    /// beyond the table, is an open type; the chosen alternative is decoded unless it is STOP.
    /// </summary>
    private static int DecodeChoice(ref BitStream bs, Field f, int b)
    {
        uint type;
        bool ext;
        int len = 0, err;
        // Decode?
        b = b != Null && (f.Attr & Decode) != 0 ? b + f.Offset : Null;
        // Decode the choice index number
        if (ErrorBoundary(ref bs, 0, 1)) return ErrorBound;
        if ((f.Attr & Ext) != 0 && GetBit(ref bs) != 0)
        {
            ext = true;
            if (ErrorBoundary(ref bs, 0, 7)) return ErrorBound;
            type = GetBits(ref bs, 7) + f.Lb;
        }
        else
        {
            ext = false;
            if (ErrorBoundary(ref bs, 0, f.Sz)) return ErrorBound;
            type = GetBits(ref bs, f.Sz);
            if (type >= f.Lb) return ErrorRange;
        }
        // Write Type
        if (b != Null) Write(ref bs, b, type);

        // Check Range
        if (type >= f.Ub)
        {
            // Newer version?
            ByteAlign(ref bs);
            if (ErrorBoundary(ref bs, 2, 0)) return ErrorBound;
            len = GetLen(ref bs);
            if (ErrorBoundary(ref bs, len, 0)) return ErrorBound;
            bs.Cur += len;
            return ErrorNone;
        }

        // Transfer to son level
        var fields = f.Fields;
        if (fields is null) return ErrorRange; // no table: the kernel's tables never get here
        var son = fields[type];
        if ((son.Attr & Stop) != 0) return ErrorStop;
        if (ext || (son.Attr & Open) != 0)
        {
            ByteAlign(ref bs);
            if (ErrorBoundary(ref bs, len, 0)) return ErrorBound;
            len = GetLen(ref bs);
            if (ErrorBoundary(ref bs, len, 0)) return ErrorBound;
            if (b == Null || (son.Attr & Decode) == 0)
            {
                bs.Cur += len;
                return ErrorNone;
            }
            var beg = bs.Cur;
            if ((err = DecodeField(ref bs, son, b)) < ErrorNone) return err;
            bs.Cur = beg + len;
            bs.Bit = 0;
        }
        else if ((err = DecodeField(ref bs, son, b)) < ErrorNone) return err;
        return ErrorNone;
    }
}
