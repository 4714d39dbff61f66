namespace MetaSpec.Layers;

/// <summary>
/// One named tensor inside a layer's parameter segment, e.g. <c>weight</c> of shape [out, in].
/// Names and shapes follow PyTorch's modules so checkpoints line up with theirs.
/// </summary>
/// <param name="Name">Name within the layer (<c>weight</c>, <c>bias</c>).</param>
/// <param name="Offset">Offset within the layer's segment.</param>
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
}
