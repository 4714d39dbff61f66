using System.Globalization;
using System.Linq;
using MetaSpec.Specification;

namespace MetaSpec.Generators.Emitter;

/// <summary>C# literals written under the invariant culture, so generated code does not depend on the build machine's locale.</summary>
internal static class Literals
{
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A double literal that round-trips ("R") and always reads as a double (<c>5.0</c>, not <c>5</c>).</summary>
    public static string Double(double value)
    {
        if (double.IsNaN(value)) return "double.NaN";
        if (double.IsPositiveInfinity(value)) return "double.PositiveInfinity";
        if (double.IsNegativeInfinity(value)) return "double.NegativeInfinity";
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(['.', 'E', 'e']) >= 0 ? text : text + ".0";
    }

    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>A string literal; the names here are identifiers and dotted names, but quotes and backslashes are escaped anyway.</summary>
    public static string String(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    public static string IntArray(EquatableArray<int> values) => "new int[] { " + string.Join(", ", values.Select(Int)) + " }";

    /// <summary>An enum member of <paramref name="type"/>, or a cast when the value names no member.</summary>
    public static string Enum(string type, EnumValue value) => value.Name is { } name ? $"{type}.{name}" : $"({type}){Int(value.Value)}";

    public static string Shape(SampleShape shape) => shape.IsVector
        ? $"global::MetaSpec.Shape.Vector({Int(shape.Channels)})"
        : $"global::MetaSpec.Shape.Image({Int(shape.Channels)}, {Int(shape.Height)}, {Int(shape.Width)})";

    /// <summary><c>hidden1</c> → <c>Hidden1</c>, <c>_head</c> → <c>Head</c>: field names as parts of constant names.</summary>
    public static string Pascal(string name) => LayerNames.Pascal(name);
}
