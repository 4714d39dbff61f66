using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MetaSpec.TestSupport;

/// <summary>Writes small data files in the formats the loaders read, and a scratch folder that is deleted afterwards.</summary>
public sealed class ScratchFolder : IDisposable
{
    public ScratchFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "metaspec-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; a failing cleanup must not fail the test.
        }
    }
}

public static class DataFiles
{
    /// <summary>A .npy file: magic, version, header length, dict padded to a multiple of 64 bytes (as numpy does), data.</summary>
    public static byte[] Npy(string descr, long[] shape, ReadOnlySpan<byte> data, bool fortranOrder = false, int majorVersion = 1, string? dictOverride = null)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = dictOverride ?? $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {shapeText}, }}";
        int lengthField = majorVersion == 1 ? 2 : 4;
        int prefix = 6 + 2 + lengthField;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        string header = dict + new string(' ', total - prefix - dict.Length - 1) + "\n";
        var bytes = new List<byte>();
        bytes.AddRange([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)majorVersion, 0]);
        var length = new byte[lengthField];
        if (lengthField == 2) BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        bytes.AddRange(length);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data.ToArray());
        return [.. bytes];
    }

    public static byte[] Int64Data(IEnumerable<long> values)
    {
        var list = values.ToList();
        var bytes = new byte[8 * list.Count];
        for (int i = 0; i < list.Count; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), list[i]);
        return bytes;
    }

    /// <summary>A zip of named entries, as numpy.savez_compressed writes an .npz.</summary>
    public static void WriteZip(string path, params (string Name, byte[] Content)[] entries)
    {
        using var file = System.IO.File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var (name, content) in entries)
        {
            using Stream stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
            stream.Write(content);
        }
    }

    /// <summary>An IDX file: big-endian magic and dimensions, then the bytes.</summary>
    public static byte[] Idx(int magic, int[] dims, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes.AsSpan(4 + 4 * dims.Length));
        return bytes;
    }

    public static void WriteGzip(string path, ReadOnlySpan<byte> content)
    {
        using var file = System.IO.File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(content);
    }
}
