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

/// <summary>A named tensor of θ at its absolute offset, e.g. <c>hidden1.weight</c> [40, 1].</summary>
/// <param name="Name">Layer name and tensor name joined by a dot, as PyTorch's state_dict names them.</param>
/// <param name="Offset">First index in θ.</param>
/// <param name="Dimensions">Row-major dimensions.</param>
public sealed record NamedTensor(string Name, int Offset, int[] Dimensions)
{
    /// <summary>Number of values.</summary>
    public int Length => Dimensions.Aggregate(1, (n, d) => n * d);
}
