using System.Runtime.CompilerServices;

namespace Bert.MLNet.Tokenizers;

/// <summary>
/// A growable list of (id, start, end) that the tokenizer writes into. One per thread is kept and
/// reused, so tokenizing in steady state allocates nothing.
/// </summary>
internal sealed class TokenSink
{
    [ThreadStatic]
    private static TokenSink? perThread;

    internal int[] Ids = new int[256];
    internal int[] Starts = new int[256];
    internal int[] Ends = new int[256];
    internal int Count;

    /// <summary>The calling thread's sink, emptied.</summary>
    internal static TokenSink Rent()
    {
        var sink = perThread ??= new TokenSink();
        sink.Count = 0;
        return sink;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Add(int id, int start, int end)
    {
        if (Count == Ids.Length)
        {
            Grow();
        }

        Ids[Count] = id;
        Starts[Count] = start;
        Ends[Count] = end;
        Count++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        var size = Ids.Length * 2;
        Array.Resize(ref Ids, size);
        Array.Resize(ref Starts, size);
        Array.Resize(ref Ends, size);
    }
}
