using CsCheck;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// Every decoder, fed arbitrary bytes, either decodes or throws InvalidDataException; it never
/// reads out of bounds, loops, or throws anything else. A hostile or corrupt reply cannot crash a cmdlet.
/// </summary>
public class FuzzTests
{
    private static readonly Gen<byte[]> Bytes = Gen.Byte.Array[0, 600];

    // Attribute-shaped input reaches deeper than uniform noise: a few valid headers with random payloads.
    private static readonly Gen<byte[]> AttributeLike =
        Gen.Select(Gen.UShort[1, 30], Gen.Byte.Array[0, 40], Gen.Bool).Array[0, 12].Select(attrs =>
        {
            var w = new NetlinkWriter();
            foreach (var (type, payload, nested) in attrs)
            {
                if (nested)
                {
                    var n = w.BeginNested(type);
                    w.PutBytes((ushort)(type % 10 + 1), payload);
                    w.EndNested(n);
                }
                else
                {
                    w.PutBytes(type, payload);
                }
            }
            return w.Written.ToArray();
        });

    private static void Safely(Action action)
    {
        try { action(); }
        catch (InvalidDataException) { }
    }

    [Fact]
    public void Connection_decoder_survives_any_input() =>
        Bytes.Select(AttributeLike, (a, b) => Random.Shared.Next(2) == 0 ? a : b)
            .Sample(bytes => Safely(() => FlowCodec.Decode(2, new AttributeReader(bytes), "kernel", null)), iter: 20_000);

    [Fact]
    public void Expectation_decoder_survives_any_input() =>
        AttributeLike.Sample(bytes => Safely(() => ExpectCodec.Decode(10, new AttributeReader(bytes), "kernel")), iter: 20_000);

    [Fact]
    public void Statistics_decoders_survive_any_input() =>
        AttributeLike.Sample(bytes => Safely(() =>
        {
            StatsCodec.DecodeCpu(new AttributeReader(bytes), new CtCpuStatistic());
            StatsCodec.DecodeExpectCpu(new AttributeReader(bytes), new CtCpuStatistic());
            StatsCodec.DecodeGlobal(new AttributeReader(bytes), new CtStatistic());
        }), iter: 20_000);

    [Fact]
    public void Error_parser_survives_any_input() =>
        Gen.Select(Bytes, Gen.UShort).Sample((bytes, flags) =>
        {
            var errno = NetlinkSocket.ParseError(bytes, flags, out _);
            Assert.True(bytes.Length < 4 ? errno == 22 : true);
        }, iter: 20_000);

    [Fact]
    public void Every_decoded_tuple_prints() =>
        AttributeLike.Sample(bytes => Safely(() => Assert.NotNull(TupleCodec.Decode(new AttributeReader(bytes)).ToString())), iter: 10_000);
}
