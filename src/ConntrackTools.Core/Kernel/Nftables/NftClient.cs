using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Nftables;

/// <summary>
/// Runs nftables commands through libnftables' JSON interface, in this or another network
/// namespace. Commands are JSON documents built with System.Text.Json, so a name or value a user
/// gives is a JSON string, never nft syntax: it cannot end a statement or start another.
/// </summary>
public static class NftClient
{
    /// <summary>The ruleset of a namespace, as `nft -j list ruleset` gives it.</summary>
    public static NftRuleset ListRuleset(string? networkNamespace = null)
    {
        var json = Run(networkNamespace, Document([Command("list", new JsonObject { ["ruleset"] = null })]), dryRun: false);
        return NftRuleset.Parse(json);
    }

    /// <summary>
    /// Applies <paramref name="commands"/> (the items of an "nftables" array: {"add": {...}}, ...)
    /// as one transaction: all of them or none. With <paramref name="dryRun"/> the kernel checks
    /// the batch and commits nothing (nft -c). Callers read the result back with ListRuleset, which
    /// also gives the hooks of the chains that nft's echo would leave out.
    /// </summary>
    public static void Apply(string? networkNamespace, IEnumerable<JsonNode> commands, bool dryRun = false) =>
        Run(networkNamespace, Document(commands), dryRun);

    /// <summary>The JSON document nft is given for <paramref name="commands"/>: what -WhatIf shows.</summary>
    public static string Document(IEnumerable<JsonNode> commands)
    {
        var array = new JsonArray();
        foreach (var c in commands) array.Add(c.DeepClone());
        return new JsonObject { ["nftables"] = array }.ToJsonString(Readable);
    }

    /// <summary>Escapes only what JSON requires, so -WhatIf shows names as typed (\" rather than \u0022).</summary>
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One command: {"verb": {"kind": body}} with body an object such as a table or rule.</summary>
    public static JsonObject Command(string verb, JsonObject body) => new() { [verb] = body };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Keywords = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether nft's parser reads <paramref name="identifier"/> (already a plain identifier) as a
    /// keyword rather than a name: `chain notrack {` or `table inet ct {` is a syntax error, so a
    /// saved ruleset holding such a name would not load back. Asked of the installed libnftables
    /// (a dry-run parse), since its keyword list changes between versions. False when nft cannot
    /// say (library missing, no privileges): the kernel and nft then decide as before.
    /// </summary>
    public static bool IsKeyword(string identifier) => Keywords.GetOrAdd(identifier, static id =>
    {
        try
        {
            RunHere($"add table inet {id}", dryRun: true);
            return false;
        }
        catch (NftUnavailableException)
        {
            return false;
        }
        catch (NftException ex)
        {
            return ex.Message.Contains("syntax error", StringComparison.Ordinal);
        }
    });

    private static string Run(string? networkNamespace, string document, bool dryRun)
    {
        if (networkNamespace is null) return RunHere(document, dryRun);
        var ns = NetworkNamespace.Resolve(networkNamespace);
        return ns.Run(() => RunHere(document, dryRun));
    }

    private static string RunHere(string document, bool dryRun)
    {
        IntPtr ctx;
        try
        {
            ctx = LibNftables.CtxNew(LibNftables.NFT_CTX_DEFAULT);
        }
        catch (DllNotFoundException ex)
        {
            throw new NftUnavailableException(ex);
        }
        if (ctx == IntPtr.Zero) throw new NftException("nft_ctx_new failed", "");
        try
        {
            LibNftables.OutputSetFlags(ctx, LibNftables.NFT_CTX_OUTPUT_JSON | LibNftables.NFT_CTX_OUTPUT_HANDLE);
            LibNftables.SetDryRun(ctx, dryRun);
            LibNftables.BufferOutput(ctx);
            LibNftables.BufferError(ctx);
            var rc = LibNftables.RunCmdFromBuffer(ctx, document);
            var output = Marshal.PtrToStringUTF8(LibNftables.GetOutputBuffer(ctx)) ?? "";
            var error = Marshal.PtrToStringUTF8(LibNftables.GetErrorBuffer(ctx)) ?? "";
            if (rc != 0) throw new NftException(Clean(error), document);
            return output;
        }
        finally
        {
            LibNftables.CtxFree(ctx);
        }
    }

    /// <summary>nft's error text without the "internal:0:0-0: " location JSON input gives.</summary>
    private static string Clean(string error)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.StartsWith("internal:", StringComparison.Ordinal) && l.IndexOf(": ", StringComparison.Ordinal) is var i and > 0 ? l[(i + 2)..] : l)
            .Select(l => l.StartsWith("Error: ", StringComparison.Ordinal) ? l["Error: ".Length..] : l)
            .Distinct()
            .ToList();
        return lines.Count == 0 ? "nft failed without a message" : string.Join("; ", lines);
    }
}

/// <summary>nft refused a command; <see cref="Message"/> is nft's own text.</summary>
public class NftException(string message, string document) : Exception(message)
{
    /// <summary>The JSON document that was refused.</summary>
    public string Document { get; } = document;

    /// <summary>An errno name read from nft's text where it gives one (EPERM, ENOENT, EEXIST, EBUSY), else null.</summary>
    public string? ErrnoName => Message switch
    {
        var m when m.Contains("Operation not permitted", StringComparison.Ordinal) => "EPERM",
        var m when m.Contains("No such file or directory", StringComparison.Ordinal) => "ENOENT",
        var m when m.Contains("File exists", StringComparison.Ordinal) => "EEXIST",
        var m when m.Contains("Device or resource busy", StringComparison.Ordinal) => "EBUSY",
        _ => null,
    };
}

/// <summary>libnftables.so.1 is not installed.</summary>
public sealed class NftUnavailableException(Exception inner)
    : NftException("libnftables.so.1 is not installed: install the nftables package (apt-get install nftables libnftables1).", "")
{
    public Exception Inner { get; } = inner;
}
