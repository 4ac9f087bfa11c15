using System.Globalization;
using System.Management.Automation;

namespace ConntrackTools.Commands;

/// <summary>
/// Lets a 32-bit mark or mask be typed the way netfilter users write it. PowerShell reads the hex
/// literal 0xffff0000 as the Int32 -65536, which would not bind to a UInt32; this takes the bits.
/// Also accepts "0x..." strings (from CSV or JSON input).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class UInt32BitsAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            int i => unchecked((uint)i),
            long l when l is >= int.MinValue and <= uint.MaxValue => unchecked((uint)l),
            string s when s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && uint.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex) => hex,
            _ => inputData,
        };
    }
}
