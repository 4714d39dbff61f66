using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace MetaSpec.IO;

/// <summary>A named tensor of a safetensors file: dtype (<c>F32</c> or <c>F64</c>), shape and values.</summary>
public sealed record SafeTensor(string Name, string DType, long[] Shape, double[] Values);

/// <summary>The tensors and string metadata of a safetensors file, in the file's header order.</summary>
public sealed record SafeTensorsContent(IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The tensor called <paramref name="name"/>, or null.</summary>
    public SafeTensor? Find(string name) => Tensors.FirstOrDefault(t => t.Name == name);
}

/// <summary>
/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length N, an
/// N-byte JSON header mapping each tensor name to {dtype, shape, data_offsets} (offsets into the data
/// buffer, half-open) plus an optional <c>__metadata__</c> map of strings, then the raw little-endian data.
/// Writes are atomic: a temporary file in the same folder is renamed over the target only when complete,
/// so a failed save never damages an existing checkpoint; the folder is created when missing, and temporary files
/// a killed save left behind are removed by the next save to the same path.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Writes <paramref name="tensors"/> (values stored as F32 or F64) and <paramref name="metadata"/> to <paramref name="path"/>.</summary>
    public static void Save(string path, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        foreach (var t in tensors)
        {
            if (string.IsNullOrEmpty(t.Name) || t.Name == "__metadata__") throw new ArgumentException($"'{t.Name}' is not a valid tensor name.", nameof(tensors));
            if (!names.Add(t.Name)) throw new ArgumentException($"Tensor '{t.Name}' appears twice.", nameof(tensors));
            int size = ElementSize(t.DType, t.Name);
            long count = t.Shape.Aggregate(1L, (n, d) => d >= 0 ? n * d : throw new ArgumentException($"Tensor '{t.Name}' has a negative dimension.", nameof(tensors)));
            if (count != t.Values.Length)
                throw new ArgumentException($"Tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}] ({count} values) but holds {t.Values.Length}.", nameof(tensors));
            header[t.Name] = new Dictionary<string, object> { ["dtype"] = t.DType, ["shape"] = t.Shape, ["data_offsets"] = new[] { offset, offset + count * size } };
            offset += count * size;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8; // pad with spaces so the data starts 8-byte aligned, as the reference writer does

        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        string name = TemporaryStem(Path.GetFileName(full));
        string temporary = Path.Combine(directory, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            RemoveAbandonedTemporaries(directory, name);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
                stream.Write(length);
                stream.Write(json);
                for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
                foreach (var t in tensors) WriteValues(stream, t);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { } // best effort: the target was never touched
            // The system's message names the temporary file; the user knows only their path.
            string message = $"Could not save '{path}': {e.Message} Any existing file at that path was left as it was.";
            if (e is UnauthorizedAccessException) throw new UnauthorizedAccessException(message, e);
            throw new IOException(message, e);
        }
    }

    /// <summary>
    /// The target's name as the temporary file carries it, shortened so that <c>.stem.pid.guid.tmp</c> stays within the
    /// 255-byte limit of common file systems even when the target's own name nearly reaches it.
    /// </summary>
    private static string TemporaryStem(string fileName)
    {
        const int MaxStemBytes = 255 - 1 - 1 - 10 - 1 - 32 - 4;
        if (Encoding.UTF8.GetByteCount(fileName) <= MaxStemBytes) return fileName;
        int length = fileName.Length;
        while (Encoding.UTF8.GetByteCount(fileName.AsSpan(0, length)) > MaxStemBytes) length--;
        if (length > 0 && char.IsHighSurrogate(fileName[length - 1])) length--;
        return fileName[..length];
    }

    /// <summary>
    /// Deletes temporary files a killed save to the same path left behind (<c>.name.pid.guid.tmp</c> whose process is
    /// gone); a save in progress in a live process, this one included, is left alone.
    /// </summary>
    private static void RemoveAbandonedTemporaries(string directory, string stem)
    {
        string prefix = "." + stem + ".";
        foreach (string file in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
        {
            string[] parts = Path.GetFileName(file)[prefix.Length..].Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[0], out int pid) || IsRunning(pid)) continue;
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads a safetensors file; throws <see cref="InvalidDataException"/> naming the file and the problem if it is malformed.</summary>
    public static SafeTensorsContent Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw Bad(path, $"it is {bytes.Length} bytes long, too short for the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > bytes.Length - 8)
            throw Bad(path, $"the header claims {headerLength} bytes but the file holds {bytes.Length - 8} after the length");
        int dataStart = 8 + (int)headerLength;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        }
        catch (JsonException e)
        {
            throw Bad(path, $"the header is not valid JSON ({e.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "the header is not a JSON object");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafeTensor>();
            var ranges = new List<(long begin, long end, string name)>();
            long dataLength = bytes.Length - dataStart;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Bad(path, "__metadata__ is not an object");
                    foreach (var m in property.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw Bad(path, $"metadata '{m.Name}' is not a string");
                    continue;
                }
                var (dtype, shape, begin, end) = ReadEntry(path, property);
                int size = ElementSize(dtype, property.Name, path);
                long count = shape.Aggregate(1L, (n, d) => n * d);
                if (end - begin != count * size)
                    throw Bad(path, $"tensor '{property.Name}' has shape [{string.Join(", ", shape)}] of {dtype} ({count * size} bytes) but its data_offsets span {end - begin}");
                if (begin < 0 || end > dataLength) throw Bad(path, $"tensor '{property.Name}' ends at byte {end} of the data, but the file holds only {dataLength} (truncated?)");
                ranges.Add((begin, end, property.Name));
                tensors.Add(new SafeTensor(property.Name, dtype, shape, ReadValues(bytes.AsSpan(dataStart + (int)begin, (int)(end - begin)), dtype)));
            }
            ranges.Sort((a, b) => a.begin.CompareTo(b.begin));
            long expected = 0;
            foreach (var (begin, end, name) in ranges)
            {
                if (begin != expected) throw Bad(path, $"tensor '{name}' starts at byte {begin} of the data where {expected} was expected (gap or overlap)");
                expected = end;
            }
            if (expected != dataLength) throw Bad(path, $"the data buffer holds {dataLength} bytes but the tensors cover {expected}");
            return new SafeTensorsContent(tensors, metadata);
        }
    }

    private static (string dtype, long[] shape, long begin, long end) ReadEntry(string path, JsonProperty property)
    {
        var e = property.Value;
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Bad(path, $"tensor '{property.Name}' needs dtype, shape and two data_offsets");
        try
        {
            long[] dims = shape.EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (dims.Any(d => d < 0)) throw Bad(path, $"tensor '{property.Name}' has a negative dimension");
            return (dtype.GetString()!, dims, offsets[0].GetInt64(), offsets[1].GetInt64());
        }
        catch (FormatException)
        {
            throw Bad(path, $"tensor '{property.Name}' has a shape or offset that is not an integer");
        }
    }

    private static int ElementSize(string dtype, string name, string? path = null) => dtype switch
    {
        "F32" => 4,
        "F64" => 8,
        _ => throw (path is null
            ? new ArgumentException($"Tensor '{name}' has dtype {dtype}; MetaSpec stores F32 or F64.")
            : Bad(path, $"tensor '{name}' has dtype {dtype}; MetaSpec reads F32 and F64")),
    };

    private static void WriteValues(Stream stream, SafeTensor t)
    {
        Span<byte> buffer = stackalloc byte[8];
        foreach (double v in t.Values)
        {
            if (t.DType == "F64")
            {
                BinaryPrimitives.WriteDoubleLittleEndian(buffer, v);
                stream.Write(buffer);
            }
            else
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer, (float)v);
                stream.Write(buffer[..4]);
            }
        }
    }

    private static double[] ReadValues(ReadOnlySpan<byte> data, string dtype)
    {
        if (dtype == "F64")
        {
            var d = new double[data.Length / 8];
            for (int i = 0; i < d.Length; i++) d[i] = BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(8 * i));
            return d;
        }
        var f = new double[data.Length / 4];
        for (int i = 0; i < f.Length; i++) f[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(4 * i));
        return f;
    }

    private static InvalidDataException Bad(string path, string problem) =>
        new($"'{path}' is not a valid safetensors file: {problem}.");
}
