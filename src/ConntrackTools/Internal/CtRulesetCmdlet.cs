using System.Management.Automation;
using System.Text.Json.Nodes;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.Commands;

/// <summary>A cmdlet that reads or changes the nftables ruleset of a network namespace through libnftables' JSON interface.</summary>
public abstract class CtRulesetCmdlet : CtKernelCmdlet
{
    /// <summary>The ruleset of the namespace, or a terminating error.</summary>
    protected NftRuleset ReadRuleset(string? networkNamespace = null)
    {
        try
        {
            return NftClient.ListRuleset(networkNamespace ?? NetworkNamespace);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, Where());
            throw;
        }
    }

    /// <summary>
    /// Applies <paramref name="commands"/> as one nft transaction after ShouldProcess; -WhatIf
    /// shows the exact JSON document nft would be given. Returns false when skipped.
    /// </summary>
    protected bool ApplyChange(List<JsonNode> commands, string target, string action, string? networkNamespace = null)
    {
        var document = NftClient.Document(commands);
        var where = Backend(networkNamespace);
        if (!ShouldProcess($"{action} {target} in {where}, as one nft transaction: {document}", $"{action} {target} in {where}?", action)) return false;
        NftClient.Apply(networkNamespace ?? NetworkNamespace, commands);
        WriteVerbose($"nft applied in {where}: {document}");
        return true;
    }

    /// <summary>The backend name objects read from this namespace carry.</summary>
    protected string Backend(string? networkNamespace = null) =>
        (networkNamespace ?? NetworkNamespace) is { } ns ? $"kernel:{ns}" : "kernel";
}
