using System.Collections.Specialized;
using System.Management.Automation;
using System.Text.Json.Nodes;
using ConntrackTools.Json;

namespace ConntrackTools.Commands;

/// <summary>
/// Writes objects as JSON in the module's one shape (CtJson): addresses as strings, enums by name,
/// [Flags] as arrays of names, times ISO 8601, nulls kept. pwsh's ConvertTo-Json would write the
/// engine's view of the objects instead (IPAddress internals, enum numbers, PowerShell's notes).
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "CtJson")]
[OutputType(typeof(string))]
public sealed class ConvertToCtJsonCommand : PSCmdlet
{
    private const string Deserialized = "Deserialized.";

    private readonly JsonArray _all = [];

    /// <summary>The object to write: a ConntrackTools object, a hashtable, a [pscustomobject], an array, a string or a number.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    /// <summary>One line per JSON text instead of indented text.</summary>
    [Parameter]
    public SwitchParameter Compress { get; set; }

    /// <summary>One JSON array of every input object, written when the input ends.</summary>
    [Parameter]
    public SwitchParameter AsArray { get; set; }

    protected override void ProcessRecord()
    {
        var node = CtJsonValue.ToNode(InputObject, Adapt);
        if (AsArray) _all.Add(node);
        else WriteObject(CtJsonValue.Write(node, indented: !Compress));
    }

    protected override void EndProcessing()
    {
        if (AsArray) WriteObject(CtJsonValue.Write(_all, indented: !Compress));
    }

    /// <summary>
    /// What PowerShell wraps, unwrapped for CtJsonValue: a PSObject is its base object, a
    /// [pscustomobject] the ordered dictionary of its properties, a deserialized ConntrackTools
    /// object (from remoting, a job or Import-Clixml) its type's shape again, a script block its
    /// text. The notes PowerShell adds to objects (PSPath, PSComputerName, ...) are not written.
    /// </summary>
    internal static object? Adapt(object value)
    {
        if (value is PSObject pso)
        {
            if (pso.BaseObject is not PSCustomObject) return Adapt(pso.BaseObject);
            // A time that went through CliXml comes back as a bag of its properties: the time again.
            if (pso.TypeNames.Count > 0 && pso.TypeNames[0] == "Deserialized.System.DateTimeOffset"
                && pso.Properties["UtcTicks"]?.Value is long ticks && pso.Properties["Offset"]?.Value is TimeSpan offset)
                return new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(offset);
            var properties = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var property in pso.Properties)
            {
                if (!property.IsGettable) continue;
                object? propertyValue;
                try
                {
                    propertyValue = property.Value;
                }
                catch (GetValueException)
                {
                    propertyValue = null;
                }
                properties[property.Name] = propertyValue;
            }
            // One of the module's objects that went through remoting, a job or Import-Clixml: its own shape again.
            if (pso.TypeNames.Count > 0 && pso.TypeNames[0].StartsWith(Deserialized, StringComparison.Ordinal)
                && CtJsonValue.FindModuleType(pso.TypeNames[0][Deserialized.Length..]) is { } type)
                return CtJsonValue.FromProperties(type, properties, Adapt);
            return properties;
        }
        return value is ScriptBlock script ? script.ToString() : value;
    }
}
