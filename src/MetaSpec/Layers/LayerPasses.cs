using System.Numerics;

namespace MetaSpec.Layers;

// The buffers of one call of each ILayer kernel, by name: a layer's kernels take 6 to 14 spans, which as positional
// arguments were easy to pass in the wrong order (most are spans of the same type). Each pass is a readonly ref
// struct passed by reference (`in`), so bundling costs no allocation and no copy. Buffers are batch-major (sample b
// occupies [b·size, (b+1)·size)); Parameters and its tangent are the layer's own segment of θ.

/// <summary>The buffers of <see cref="ILayer{T}.Forward"/>: y = f(x; θ).</summary>
public readonly ref struct ForwardPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Samples in the batch.</summary>
    public required int Batch { get; init; }

    /// <summary>θ, the layer's segment (empty for a layer without parameters).</summary>
    public ReadOnlySpan<T> Parameters { get; init; }

    /// <summary>x.</summary>
    public required ReadOnlySpan<T> Input { get; init; }

    /// <summary>y, written.</summary>
    public required Span<T> Output { get; init; }

    /// <summary>Values kept for the other kernels (<see cref="ILayer{T}.StateLength"/>), written.</summary>
    public Span<T> State { get; init; }

    /// <summary>Temporary values (<see cref="ILayer{T}.ScratchLength"/>), shared by all layers.</summary>
    public Span<T> Scratch { get; init; }
}

/// <summary>The buffers of <see cref="ILayer{T}.Backward"/>: x̄ = (∂f/∂x)ᵀȳ and θ̄ = (∂f/∂θ)ᵀȳ.</summary>
public readonly ref struct BackwardPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Samples in the batch.</summary>
    public required int Batch { get; init; }

    /// <summary>θ, the layer's segment.</summary>
    public ReadOnlySpan<T> Parameters { get; init; }

    /// <summary>x of the forward pass.</summary>
    public required ReadOnlySpan<T> Input { get; init; }

    /// <summary>y of the forward pass.</summary>
    public required ReadOnlySpan<T> Output { get; init; }

    /// <summary>The state the forward pass kept.</summary>
    public ReadOnlySpan<T> State { get; init; }

    /// <summary>ȳ = ∂L/∂y.</summary>
    public required ReadOnlySpan<T> OutputGradient { get; init; }

    /// <summary>x̄, written; empty means "not needed" (the first layer).</summary>
    public Span<T> InputGradient { get; init; }

    /// <summary>θ̄, overwritten (not accumulated).</summary>
    public Span<T> ParameterGradient { get; init; }

    /// <summary>Temporary values, shared by all layers.</summary>
    public Span<T> Scratch { get; init; }
}

/// <summary>The buffers of <see cref="ILayer{T}.ForwardTangent"/>: ẏ = (∂f/∂x)ẋ + (∂f/∂θ)θ̇.</summary>
public readonly ref struct ForwardTangentPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Samples in the batch.</summary>
    public required int Batch { get; init; }

    /// <summary>θ, the layer's segment.</summary>
    public ReadOnlySpan<T> Parameters { get; init; }

    /// <summary>θ̇, the direction in the layer's segment.</summary>
    public ReadOnlySpan<T> ParameterTangent { get; init; }

    /// <summary>x of the forward pass.</summary>
    public required ReadOnlySpan<T> Input { get; init; }

    /// <summary>ẋ; empty means ẋ = 0 (the data does not depend on θ).</summary>
    public ReadOnlySpan<T> InputTangent { get; init; }

    /// <summary>y of the forward pass.</summary>
    public required ReadOnlySpan<T> Output { get; init; }

    /// <summary>The state the forward pass kept.</summary>
    public ReadOnlySpan<T> State { get; init; }

    /// <summary>ẏ, written.</summary>
    public required Span<T> OutputTangent { get; init; }

    /// <summary>Values kept for <see cref="ILayer{T}.BackwardTangent"/> (<see cref="ILayer{T}.TangentStateLength"/>), written.</summary>
    public Span<T> TangentState { get; init; }

    /// <summary>Temporary values, shared by all layers.</summary>
    public Span<T> Scratch { get; init; }
}

/// <summary>
/// The buffers of <see cref="ILayer{T}.BackwardTangent"/>: the directional derivatives of x̄ and θ̄ when x, θ and ȳ
/// move along ẋ, θ̇ and ȳ̇.
/// </summary>
public readonly ref struct BackwardTangentPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Samples in the batch.</summary>
    public required int Batch { get; init; }

    /// <summary>θ, the layer's segment.</summary>
    public ReadOnlySpan<T> Parameters { get; init; }

    /// <summary>θ̇, the direction in the layer's segment.</summary>
    public ReadOnlySpan<T> ParameterTangent { get; init; }

    /// <summary>x of the forward pass.</summary>
    public required ReadOnlySpan<T> Input { get; init; }

    /// <summary>ẋ; empty means ẋ = 0.</summary>
    public ReadOnlySpan<T> InputTangent { get; init; }

    /// <summary>y of the forward pass.</summary>
    public required ReadOnlySpan<T> Output { get; init; }

    /// <summary>ẏ of the forward tangent pass.</summary>
    public required ReadOnlySpan<T> OutputTangent { get; init; }

    /// <summary>The state the forward pass kept.</summary>
    public ReadOnlySpan<T> State { get; init; }

    /// <summary>The state the forward tangent pass kept.</summary>
    public ReadOnlySpan<T> TangentState { get; init; }

    /// <summary>ȳ.</summary>
    public required ReadOnlySpan<T> OutputGradient { get; init; }

    /// <summary>ȳ̇, the tangent of ȳ.</summary>
    public required ReadOnlySpan<T> OutputGradientTangent { get; init; }

    /// <summary>d/dε x̄, written; empty means "not needed".</summary>
    public Span<T> InputGradientTangent { get; init; }

    /// <summary>d/dε θ̄, overwritten.</summary>
    public Span<T> ParameterGradientTangent { get; init; }

    /// <summary>Temporary values, shared by all layers.</summary>
    public Span<T> Scratch { get; init; }
}
