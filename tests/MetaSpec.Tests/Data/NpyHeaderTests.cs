using MetaSpec.Datasets;

namespace MetaSpec.Tests.Data;

public class NpyHeaderTests
{
    private const string Name = "array.npy";

    private static NpyHeader Read(byte[] bytes, out Stream stream)
    {
        stream = new MemoryStream(bytes);
        return NpyHeader.Read(stream, Name);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_format_version_is_read(int version)
    {
        byte[] data = DataFiles.Int64Data([3, -1, 7, 1L << 40, 0, 5]);
        var header = Read(DataFiles.Npy("<i8", [2, 3], data, majorVersion: version), out Stream stream);
        Assert.Equal(NpyElementType.Int64, header.ElementType);
        Assert.Equal([2L, 3], header.Shape);
        Assert.Equal(6, header.ElementCount);
        Assert.Equal(0, header.HeaderBytes % 64);
        Assert.Equal([3L, -1, 7, 1L << 40, 0, 5], header.ReadIntegers(stream, Name));
        header.RequireEnd(stream, Name);
    }

    [Theory]
    [InlineData("|b1", "Boolean")]
    [InlineData("|u1", "Byte")]
    [InlineData("<i4", "Int32")]
    [InlineData("<f4", "Single")]
    [InlineData("<f8", "Double")]
    public void Supported_element_types_are_recognised(string descr, string expected)
    {
        var header = Read(DataFiles.Npy(descr, [4], new byte[32]), out _);
        Assert.Equal(expected, header.ElementType.ToString());
        Assert.Equal("(4,)", header.ShapeText);
    }

    [Fact]
    public void Dict_variations_numpy_may_write_are_accepted()
    {
        var header = Read(DataFiles.Npy("", [], [], dictOverride: "{\"shape\": (2L, 1), \"fortran_order\": False, \"descr\": \"|u1\"}"), out _);
        Assert.Equal([2L, 1], header.Shape);
        var scalar = Read(DataFiles.Npy("", [], [1], dictOverride: "{'descr': '|u1', 'fortran_order': True, 'shape': ()}"), out _);
        Assert.Equal(1, scalar.ElementCount);
    }

    public static TheoryData<string, byte[]> MalformedArrays => new()
    {
        { "bad magic", "NOTNPY\x01\x00\x10\x00{}"u8.ToArray() },
        { "unsupported .npy format version 4.0", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 4, 0, 0, 0] },
        { "truncated", DataFiles.Npy("<i8", [2], DataFiles.Int64Data([1, 2]))[..20] },
        { "no 'shape'", DataFiles.Npy("", [], [], dictOverride: "{'descr': '<i8', 'fortran_order': False}") },
        { "unreadable header dict", DataFiles.Npy("", [], [], dictOverride: "{'descr': '<i8', 'shape': (2, x)}") },
        { "unsupported element type '>i8'", DataFiles.Npy(">i8", [1], new byte[8]) },
        { "unsupported element type '<c16'", DataFiles.Npy("<c16", [1], new byte[16]) },
        { "Fortran", DataFiles.Npy("<f4", [2, 2], new byte[16], fortranOrder: true) },
    };

    [Theory]
    [MemberData(nameof(MalformedArrays))]
    public void Malformed_headers_are_reported_naming_the_file(string problem, byte[] bytes)
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(bytes, out _));
        Assert.StartsWith(Name + ":", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Truncated_data_and_trailing_bytes_are_reported()
    {
        byte[] full = DataFiles.Npy("<i8", [3], DataFiles.Int64Data([1, 2, 3]));
        var header = Read(full[..^5], out Stream stream);
        var truncated = Assert.Throws<InvalidDataException>(() => header.ReadIntegers(stream, Name));
        Assert.Contains("truncated data", truncated.Message);
        Assert.Contains("needs 24 bytes", truncated.Message);

        header = Read([.. full, 0], out stream);
        header.ReadIntegers(stream, Name);
        var trailing = Assert.Throws<InvalidDataException>(() => header.RequireEnd(stream, Name));
        Assert.Contains("unexpected bytes", trailing.Message);
    }

    [Fact]
    public void Wrong_element_type_or_rank_is_reported()
    {
        var header = Read(DataFiles.Npy("<f4", [2, 2], new byte[16]), out Stream stream);
        var type = Assert.Throws<InvalidDataException>(() => header.ReadIntegers(stream, Name));
        Assert.Contains("wrong element type '<f4'", type.Message);
        var rank = Assert.Throws<InvalidDataException>(() => header.RequireRank(Name, 3, "(a, b, c)"));
        Assert.Contains("shape mismatch", rank.Message);
    }
}
