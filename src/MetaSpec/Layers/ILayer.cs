using System.Numerics;

namespace MetaSpec.Layers;

/// <summary>
/// A layer y = f(x; θ) over a batch, with the four kernels that give exact gradients and
/// Hessian-vector products by forward-over-reverse differentiation (Pearlmutter's R-operator):
/// <list type="bullet">
/// <item><see cref="Forward"/>: y from x and θ.</item>
/// <item><see cref="Backward"/>: x̄ = (∂f/∂x)ᵀȳ and θ̄ = (∂f/∂θ)ᵀȳ.</item>
/// <item><see cref="ForwardTangent"/>: ẏ = (∂f/∂x)ẋ + (∂f/∂θ)θ̇.</item>
/// <item><see cref="BackwardTangent"/>: the directional derivatives of x̄ and θ̄ along (ẋ, θ̇, ȳ̇).</item>
/// </list>
/// </summary>
/// <remarks>
/// Each kernel takes its buffers as one ref struct (<see cref="ForwardPass{T}"/> and its siblings), named rather
/// than positional. Buffers are batch-major: sample b occupies [b·size, (b+1)·size). Layers never allocate:
/// the caller provides every buffer, sized by <see cref="StateLength"/>, <see cref="TangentStateLength"/>
/// and <see cref="ScratchLength"/>. An empty input gradient means "not needed" (first layer);
/// an empty input tangent means ẋ = 0 (the data does not depend on θ).
/// Parameter gradients are overwritten, not accumulated.
/// </remarks>
public interface ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Shape of one input sample.</summary>
    Shape InputShape { get; }

    /// <summary>Shape of one output sample.</summary>
    Shape OutputShape { get; }

    /// <summary>Number of parameters in this layer's segment of θ.</summary>
    int ParameterCount { get; }

    /// <summary>The named tensors of the segment, in order.</summary>
    IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <summary>Values <see cref="Forward"/> keeps for the backward pass (e.g. batch statistics).</summary>
    int StateLength(int batch);

    /// <summary>Values <see cref="ForwardTangent"/> keeps for <see cref="BackwardTangent"/>.</summary>
    int TangentStateLength(int batch);

    /// <summary>Temporary values a call may overwrite (e.g. im2col columns); shared by all layers.</summary>
    int ScratchLength(int batch);

    /// <summary>Fills the segment with PyTorch's default initialisation, drawing from <paramref name="random"/>.</summary>
    void Initialize(Span<T> parameters, Random random);

    /// <summary>y = f(x; θ).</summary>
    void Forward(in ForwardPass<T> pass);

    /// <summary>x̄ = (∂f/∂x)ᵀȳ (skipped when <see cref="BackwardPass{T}.InputGradient"/> is empty) and θ̄ = (∂f/∂θ)ᵀȳ.</summary>
    void Backward(in BackwardPass<T> pass);

    /// <summary>ẏ = (∂f/∂x)ẋ + (∂f/∂θ)θ̇ (ẋ = 0 when <see cref="ForwardTangentPass{T}.InputTangent"/> is empty).</summary>
    void ForwardTangent(in ForwardTangentPass<T> pass);

    /// <summary>
    /// The tangents of the backward pass: d/dε of x̄ and θ̄ when x, θ and ȳ move along ẋ, θ̇ and ȳ̇.
    /// </summary>
    void BackwardTangent(in BackwardTangentPass<T> pass);
}
