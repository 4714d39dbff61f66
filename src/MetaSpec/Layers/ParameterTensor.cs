namespace MetaSpec.Layers;

/// <summary>
/// One named tensor of a flat parameter buffer: <c>weight</c> of shape [out, in] inside a layer's segment, or
/// <c>hidden1.weight</c> inside a network's θ. Names and shapes follow PyTorch's modules and state_dict, so
/// checkpoints line up with theirs.
/// </summary>
/// <param name="Name">The tensor's name: within a layer (<c>weight</c>, <c>bias</c>), or the layer name and that name joined by a dot.</param>
/// <param name="Offset">First index in the buffer the tensor belongs to (the layer's segment, or θ).</param>
/// <param name="Dimensions">Row-major dimensions.</param>
public sealed record ParameterTensor(string Name, int Offset, int[] Dimensions)
{
    /// <summary>Number of values.</summary>
    public int Length
    {
        get
        {
            int n = 1;
            foreach (int d in Dimensions) n *= d;
            return n;
        }
    }

    /// <summary>One past the last index.</summary>
    public int End => Offset + Length;
}
