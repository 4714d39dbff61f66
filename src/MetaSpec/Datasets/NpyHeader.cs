using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MetaSpec.Datasets;

/// <summary>Element types of NumPy arrays that <see cref="NpyHeader"/> reads.</summary>
internal enum NpyElementType
{
    /// <summary>'|b1': one byte, zero is false.</summary>
    Boolean,

    /// <summary>'|u1'.</summary>
    Byte,

    /// <summary>'&lt;i4'.</summary>
    Int32,

    /// <summary>'&lt;i8'.</summary>
    Int64,

    /// <summary>'&lt;f4'.</summary>
    Single,

    /// <summary>'&lt;f8'.</summary>
    Double,
}

/// <summary>
/// The header of a NumPy .npy array (format versions 1.0, 2.0 and 3.0): magic "\x93NUMPY", version,
/// header length (2 bytes in 1.0, 4 bytes later, little-endian), then a Python dict literal with 'descr',
/// 'fortran_order' and 'shape', padded with spaces to a multiple of 16 bytes. The raw data follows.
/// </summary>
/// <remarks>
/// Only little-endian (or byte-sized) plain types in C order are read: that is what numpy writes on the
/// machines we run on, and anything else is reported rather than misread.
/// </remarks>
internal sealed class NpyHeader
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Headers longer than this are refused as malformed (numpy itself refuses over 10 000 bytes by default).</summary>
    private const int MaxHeaderLength = 1 << 20;

    private NpyHeader(NpyElementType elementType, string descriptor, long[] shape, long elementCount, long headerBytes)
    {
        ElementType = elementType;
        Descriptor = descriptor;
        Shape = shape;
        ElementCount = elementCount;
        HeaderBytes = headerBytes;
    }

    /// <summary>The element type.</summary>
    public NpyElementType ElementType { get; }

    /// <summary>The 'descr' string as written, e.g. '|b1'.</summary>
    public string Descriptor { get; }

    /// <summary>The array's shape (empty for a scalar).</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Product of the shape.</summary>
    public long ElementCount { get; }

    /// <summary>Bytes before the data: magic, version, length field and dict.</summary>
    public long HeaderBytes { get; }

    /// <summary>Bytes per element.</summary>
    public int ElementSize => ElementType switch
    {
        NpyElementType.Boolean or NpyElementType.Byte => 1,
        NpyElementType.Int32 or NpyElementType.Single => 4,
        _ => 8,
    };

    /// <summary>Bytes of data after the header.</summary>
    public long DataBytes => ElementCount * ElementSize;

    /// <summary>The shape as numpy prints it, e.g. (964, 20, 105, 105).</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Formats a shape as numpy prints it.</summary>
    public static string FormatShape(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";

    /// <summary>
    /// Reads the header from <paramref name="stream"/>, leaving it at the first data byte.
    /// <paramref name="fileName"/> names the array in error messages.
    /// </summary>
    /// <exception cref="InvalidDataException">The header is missing, truncated or malformed, or describes an unsupported array.</exception>
    public static NpyHeader Read(Stream stream, string fileName)
    {
        Span<byte> prefix = stackalloc byte[8];
        ReadFully(stream, prefix, fileName, "the .npy header");
        if (!prefix[..6].SequenceEqual(Magic))
            throw Malformed(fileName, $"bad magic {Convert.ToHexString(prefix[..6])}: not a NumPy .npy array (expected 934E554D5059, \"\\x93NUMPY\")");
        byte major = prefix[6], minor = prefix[7];
        int lengthFieldBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw Malformed(fileName, $"unsupported .npy format version {major}.{minor} (1.0, 2.0 and 3.0 are read)"),
        };
        Span<byte> lengthField = stackalloc byte[4];
        ReadFully(stream, lengthField[..lengthFieldBytes], fileName, "the .npy header length");
        long headerLength = lengthFieldBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField)
            : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > MaxHeaderLength)
            throw Malformed(fileName, $"the header claims {headerLength} bytes, more than the {MaxHeaderLength} a .npy header can sensibly have");
        var headerBytes = new byte[headerLength];
        ReadFully(stream, headerBytes, fileName, "the .npy header");
        // Versions 1 and 2 write the dict in latin-1, version 3 in UTF-8; the keys and values we accept are ASCII either way.
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        Dictionary<string, object> dict;
        try
        {
            dict = new DictParser(text).ParseDict();
        }
        catch (FormatException e)
        {
            throw Malformed(fileName, $"unreadable header dict ({e.Message}): {text.Trim()}");
        }
        if (!dict.TryGetValue("descr", out object? descrValue) || descrValue is not string descr)
            throw Malformed(fileName, $"the header has no 'descr' string: {text.Trim()}");
        if (!dict.TryGetValue("fortran_order", out object? orderValue) || orderValue is not bool fortranOrder)
            throw Malformed(fileName, $"the header has no 'fortran_order' flag: {text.Trim()}");
        if (!dict.TryGetValue("shape", out object? shapeValue) || shapeValue is not long[] shape)
            throw Malformed(fileName, $"the header has no 'shape' tuple: {text.Trim()}");
        NpyElementType elementType = ParseDescriptor(descr)
            ?? throw Malformed(fileName, $"unsupported element type '{descr}' (read: '|b1', '|u1', '<i4', '<i8', '<f4', '<f8')");
        if (fortranOrder && shape.Length > 1)
            throw Malformed(fileName, $"the array is in Fortran (column-major) order, which is not supported; save it with numpy.ascontiguousarray");

        long count = 1;
        try
        {
            foreach (long dim in shape)
            {
                if (dim < 0) throw Malformed(fileName, $"negative dimension in shape {FormatShape(shape)}");
                count = checked(count * dim);
            }
            _ = checked(count * 8);
        }
        catch (OverflowException)
        {
            throw Malformed(fileName, $"shape {FormatShape(shape)} is too large");
        }
        return new NpyHeader(elementType, descr, shape, count, 6 + 2 + lengthFieldBytes + headerLength);
    }

    /// <summary>Throws unless the element type is one of <paramref name="allowed"/>.</summary>
    public void RequireElementType(string fileName, params ReadOnlySpan<NpyElementType> allowed)
    {
        if (allowed.Contains(ElementType)) return;
        var names = new List<string>();
        foreach (NpyElementType t in allowed) names.Add(t.ToString());
        throw Malformed(fileName, $"wrong element type '{Descriptor}' ({ElementType}); expected {string.Join(" or ", names)}");
    }

    /// <summary>Throws unless the array has <paramref name="rank"/> dimensions.</summary>
    public void RequireRank(string fileName, int rank, string meaning)
    {
        if (Shape.Count != rank)
            throw Malformed(fileName, $"shape mismatch: expected {rank} dimensions {meaning}, got {ShapeText}");
    }

    /// <summary>
    /// Fills <paramref name="destination"/> from <paramref name="stream"/>; a stream that ends first is reported
    /// as truncated data, naming how many bytes the array should have and where the file ended.
    /// </summary>
    public void ReadData(Stream stream, Span<byte> destination, long alreadyRead, string fileName)
    {
        int got = ReadAtMost(stream, destination, fileName);
        if (got < destination.Length)
        {
            throw Malformed(fileName,
                $"truncated data: shape {ShapeText} of '{Descriptor}' needs {DataBytes} bytes after the {HeaderBytes}-byte header, the file ends after {alreadyRead + got}");
        }
    }

    /// <summary>Reads an integer array ('&lt;i8' or '&lt;i4') whole.</summary>
    public long[] ReadIntegers(Stream stream, string fileName)
    {
        RequireElementType(fileName, NpyElementType.Int64, NpyElementType.Int32);
        byte[] raw = new byte[checked((int)DataBytes)];
        ReadData(stream, raw, HeaderBytes, fileName);
        var values = new long[ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ElementType == NpyElementType.Int64
                ? BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(8 * i))
                : BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4 * i));
        }
        return values;
    }

    /// <summary>Throws unless <paramref name="stream"/> has no bytes left (the data must end the file).</summary>
    public void RequireEnd(Stream stream, string fileName)
    {
        Span<byte> probe = stackalloc byte[1];
        if (ReadAtMost(stream, probe, fileName) != 0)
            throw Malformed(fileName, $"unexpected bytes after the {DataBytes} bytes of data for shape {ShapeText} of '{Descriptor}'");
    }

    /// <summary>An <see cref="InvalidDataException"/> whose message starts with the file's name.</summary>
    public static InvalidDataException Malformed(string fileName, string problem, Exception? inner = null) =>
        new($"{fileName}: {problem}.", inner);

    private static NpyElementType? ParseDescriptor(string descr)
    {
        if (descr.Length != 3) return null;
        char order = descr[0];
        string type = descr[1..];
        bool byteSized = type is "b1" or "u1";
        // One-byte types have no byte order ('|'); numpy may also write '<' or '=' for them. Wider types must be little-endian.
        if (byteSized ? order is not ('|' or '<' or '=') : order != '<') return null;
        return type switch
        {
            "b1" => NpyElementType.Boolean,
            "u1" => NpyElementType.Byte,
            "i4" => NpyElementType.Int32,
            "i8" => NpyElementType.Int64,
            "f4" => NpyElementType.Single,
            "f8" => NpyElementType.Double,
            _ => null,
        };
    }

    private static void ReadFully(Stream stream, Span<byte> buffer, string fileName, string what)
    {
        if (ReadAtMost(stream, buffer, fileName) < buffer.Length)
            throw Malformed(fileName, $"truncated: the file ends inside {what}");
    }

    /// <summary>
    /// Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read. A corrupt
    /// compressed stream is reported naming the file.
    /// </summary>
    private static int ReadAtMost(Stream stream, Span<byte> buffer, string fileName)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw Malformed(fileName, $"corrupt compressed data ({e.Message})", e);
        }
    }

    /// <summary>
    /// Parses the subset of Python literals a .npy header uses: a dict of string keys whose values are
    /// strings, True/False, or tuples of integers.
    /// </summary>
    private ref struct DictParser(string text)
    {
        private int position;

        public Dictionary<string, object> ParseDict()
        {
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            Expect('{');
            while (true)
            {
                SkipSpace();
                if (TryTake('}')) break;
                string key = ParseString();
                Expect(':');
                result[key] = ParseValue();
                SkipSpace();
                if (TryTake(',')) continue;
                Expect('}');
                break;
            }
            SkipSpace();
            if (position != text.Length) throw new FormatException($"unexpected text after the dict at offset {position}");
            return result;
        }

        private object ParseValue()
        {
            SkipSpace();
            if (position >= text.Length) throw new FormatException("the header ends where a value should be");
            char c = text[position];
            if (c is '\'' or '"') return ParseString();
            if (c == '(') return ParseTuple();
            if (TryWord("True")) return true;
            if (TryWord("False")) return false;
            throw new FormatException($"unsupported value at offset {position}");
        }

        private long[] ParseTuple()
        {
            Expect('(');
            var values = new List<long>();
            while (true)
            {
                SkipSpace();
                if (TryTake(')')) break;
                int start = position;
                while (position < text.Length && char.IsAsciiDigit(text[position])) position++;
                if (position == start) throw new FormatException($"expected a whole number at offset {start}");
                if (!long.TryParse(text.AsSpan(start, position - start), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                    throw new FormatException($"dimension too large at offset {start}");
                values.Add(value);
                if (position < text.Length && text[position] == 'L') position++; // Python 2 long suffix
                SkipSpace();
                if (TryTake(',')) continue;
                Expect(')');
                break;
            }
            return [.. values];
        }

        private string ParseString()
        {
            SkipSpace();
            if (position >= text.Length || text[position] is not ('\'' or '"'))
                throw new FormatException($"expected a quoted string at offset {position}");
            char quote = text[position++];
            int start = position;
            while (position < text.Length && text[position] != quote) position++;
            if (position >= text.Length) throw new FormatException("unterminated string");
            return text[start..position++];
        }

        private bool TryWord(string word)
        {
            if (string.CompareOrdinal(text, position, word, 0, word.Length) != 0) return false;
            position += word.Length;
            return true;
        }

        private bool TryTake(char c)
        {
            SkipSpace();
            if (position < text.Length && text[position] == c)
            {
                position++;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            if (!TryTake(c)) throw new FormatException($"expected '{c}' at offset {position}");
        }

        private void SkipSpace()
        {
            while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
        }
    }
}
