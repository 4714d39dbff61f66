namespace MetaSpec.Specification;

/// <summary>
/// Output sizes of windowed layers (PyTorch's floor mode), shared by the runtime's convolution geometry and the
/// generator's compile-time shape inference, so the generated constants equal what the runtime layers compute.
/// </summary>
internal static class ShapeFormulas
{
    /// <summary>Window positions along one axis: ⌊(size + 2·padding − kernel)/stride⌋ + 1 (convolution and pooling).</summary>
    public static int WindowPositions(int size, int kernel, int stride, int padding = 0) => (size + 2 * padding - kernel) / stride + 1;

    /// <summary>Whether a <paramref name="kernel"/>-wide window fits the padded axis at least once.</summary>
    public static bool WindowFits(int size, int kernel, int padding = 0) => kernel <= size + 2 * padding;
}
