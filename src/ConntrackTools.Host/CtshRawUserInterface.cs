using System.Management.Automation;
using System.Management.Automation.Host;

namespace ConntrackTools.Host;

/// <summary>
/// A fixed-size "console" for the formatter: Out-Default reads BufferSize.Width to lay out tables.
/// There is no screen buffer to read or write.
/// </summary>
internal sealed class CtshRawUserInterface(CtshHost host) : PSHostRawUserInterface
{
    // Height only matters to paging, which ctsh does not do.
    private const int Height = 9999;

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

    public override Coordinates CursorPosition { get; set; }

    public override Coordinates WindowPosition { get; set; }

    public override int CursorSize { get; set; } = 25;

    public override Size BufferSize
    {
        get => new(host.Width, Height);
        set { }
    }

    public override Size WindowSize
    {
        get => new(host.Width, 50);
        set { }
    }

    public override Size MaxWindowSize => WindowSize;

    public override Size MaxPhysicalWindowSize => WindowSize;

    public override bool KeyAvailable => host.InputIsTerminal && Console.KeyAvailable;

    public override string WindowTitle { get; set; } = "ctsh";

    public override KeyInfo ReadKey(ReadKeyOptions options)
    {
        if (!host.InputIsTerminal)
        {
            throw new PSNotImplementedException("ctsh can read single keys only when stdin is a terminal.");
        }

        ConsoleKeyInfo key = Console.ReadKey(intercept: (options & ReadKeyOptions.NoEcho) != 0);
        var state = default(ControlKeyStates);
        if ((key.Modifiers & ConsoleModifiers.Shift) != 0)
        {
            state |= ControlKeyStates.ShiftPressed;
        }

        if ((key.Modifiers & ConsoleModifiers.Alt) != 0)
        {
            state |= ControlKeyStates.LeftAltPressed;
        }

        if ((key.Modifiers & ConsoleModifiers.Control) != 0)
        {
            state |= ControlKeyStates.LeftCtrlPressed;
        }

        return new KeyInfo((int)key.Key, key.KeyChar, state, keyDown: true);
    }

    public override void FlushInputBuffer()
    {
    }

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) =>
        throw new PSNotImplementedException("ctsh has no screen buffer.");

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
        throw new PSNotImplementedException("ctsh has no screen buffer.");

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) =>
        throw new PSNotImplementedException("ctsh has no screen buffer.");

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) =>
        throw new PSNotImplementedException("ctsh has no screen buffer.");
}
