using System.Runtime.InteropServices;

namespace ConntrackTools.Kernel.Nftables;

/// <summary>libnftables.so.1, the library behind `nft` (include/nftables/libnftables.h).</summary>
internal static partial class LibNftables
{
    private const string Library = "libnftables.so.1";

    internal const uint NFT_CTX_DEFAULT = 0;
    internal const uint NFT_CTX_OUTPUT_HANDLE = 1 << 3;
    internal const uint NFT_CTX_OUTPUT_JSON = 1 << 4;

    [LibraryImport(Library, EntryPoint = "nft_ctx_new")]
    internal static partial IntPtr CtxNew(uint flags);

    [LibraryImport(Library, EntryPoint = "nft_ctx_free")]
    internal static partial void CtxFree(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "nft_ctx_output_set_flags")]
    internal static partial void OutputSetFlags(IntPtr ctx, uint flags);

    [LibraryImport(Library, EntryPoint = "nft_ctx_set_dry_run")]
    internal static partial void SetDryRun(IntPtr ctx, [MarshalAs(UnmanagedType.U1)] bool dry);

    [LibraryImport(Library, EntryPoint = "nft_ctx_buffer_output")]
    internal static partial int BufferOutput(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "nft_ctx_buffer_error")]
    internal static partial int BufferError(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "nft_ctx_get_output_buffer")]
    internal static partial IntPtr GetOutputBuffer(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "nft_ctx_get_error_buffer")]
    internal static partial IntPtr GetErrorBuffer(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "nft_run_cmd_from_buffer", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int RunCmdFromBuffer(IntPtr ctx, string buffer);
}
