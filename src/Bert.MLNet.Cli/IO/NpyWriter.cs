using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Bert.MLNet.Cli.IO;

/// <summary>Writes float32 arrays in NumPy's .npy format (version 1.0, little-endian, C order).</summary>
internal static class NpyWriter
{
    internal static void Write(Stream stream, ReadOnlySpan<float> data, IReadOnlyList<int> shape)
    {
        var dims = string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}{(shape.Count == 1 ? "," : string.Empty)}), }}";
        // The magic, version and header length take 10 bytes; the header is padded so the data starts on a 64-byte boundary.
        var padded = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)padded.Length);
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(padded));
        var buffer = new byte[4 * 4096];
        for (var start = 0; start < data.Length; start += 4096)
        {
            var chunk = data.Slice(start, Math.Min(4096, data.Length - start));
            for (var i = 0; i < chunk.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), chunk[i]);
            }

            stream.Write(buffer, 0, 4 * chunk.Length);
        }
    }
}
