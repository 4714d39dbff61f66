namespace MetaSpec.Models;

/// <summary>A layer's contiguous segment of the flat parameter buffer θ.</summary>
/// <param name="Name">The layer's name (the field name in a spec).</param>
/// <param name="Offset">First index in θ.</param>
/// <param name="Length">Number of parameters (0 for parameter-free layers).</param>
public readonly record struct ParameterSegment(string Name, int Offset, int Length)
{
    /// <summary>One past the last index in θ.</summary>
    public int End => Offset + Length;
}
