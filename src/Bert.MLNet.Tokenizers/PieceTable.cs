using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Bert.MLNet.Tokenizers;

/// <summary>
/// A read-only hash table from text to id, looked up by span. Tokenizing is mostly lookups of short
/// words, so this trades generality for speed: keys live in one char array, the hash reads four characters
/// at a time, and buckets are probed linearly with the full hash checked before the characters.
/// </summary>
internal sealed class PieceTable
{
    private readonly char[] text;
    private readonly int[] buckets; // entry index + 1; 0 is empty
    private readonly int[] starts;
    private readonly int[] lengths;
    private readonly int[] ids;
    private readonly uint[] hashes;
    private readonly int mask;

    /// <summary>Builds the table; the first occurrence of a repeated key wins.</summary>
    internal PieceTable(IReadOnlyList<(string Key, int Id)> entries)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, entries.Count * 2));
        mask = size - 1;
        buckets = new int[size];
        starts = new int[entries.Count];
        lengths = new int[entries.Count];
        ids = new int[entries.Count];
        hashes = new uint[entries.Count];
        text = new char[entries.Sum(e => e.Key.Length)];
        var at = 0;
        var count = 0;
        foreach (var (key, id) in entries)
        {
            if (TryGet(key, out _))
            {
                continue;
            }

            key.CopyTo(text.AsSpan(at));
            var hash = Hash(key);
            starts[count] = at;
            lengths[count] = key.Length;
            ids[count] = id;
            hashes[count] = hash;
            var bucket = (int)hash & mask;
            while (buckets[bucket] != 0)
            {
                bucket = (bucket + 1) & mask;
            }

            buckets[bucket] = count + 1;
            at += key.Length;
            count++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryGet(ReadOnlySpan<char> key, out int id)
    {
        var hash = Hash(key);
        var bucket = (int)hash & mask;
        while (true)
        {
            var entry = buckets[bucket] - 1;
            if (entry < 0)
            {
                id = -1;
                return false;
            }

            if (hashes[entry] == hash && lengths[entry] == key.Length
                && key.SequenceEqual(new ReadOnlySpan<char>(text, starts[entry], key.Length)))
            {
                id = ids[entry];
                return true;
            }

            bucket = (bucket + 1) & mask;
        }
    }

    // Four UTF-16 units per 64-bit read, multiply-xorshift mixing; the length seeds it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<char> key)
    {
        const ulong multiplier = 0x9E3779B97F4A7C15UL;
        var bytes = MemoryMarshal.AsBytes(key);
        var h = (ulong)key.Length * multiplier;
        var i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            h = (h ^ MemoryMarshal.Read<ulong>(bytes[i..])) * multiplier;
            h ^= h >> 29;
        }

        if (i < bytes.Length)
        {
            ulong tail = 0;
            for (var j = bytes.Length - 1; j >= i; j--)
            {
                tail = (tail << 8) | bytes[j];
            }

            h = (h ^ tail) * multiplier;
            h ^= h >> 29;
        }

        return (uint)(h ^ (h >> 32));
    }
}
