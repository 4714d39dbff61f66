using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Kernels;

namespace MetaSpec.Layers;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b with W of shape [outputs, inputs] (PyTorch's Linear layout).
/// Segment layout: weight (outputs·inputs values), then bias (outputs values) unless the layer has none.
/// </summary>
public sealed class DenseLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _in;
    private readonly int _out;
    private readonly bool _bias;

    /// <summary>A dense layer from <paramref name="inputs"/> to <paramref name="outputs"/> features, with or without bias.</summary>
    public DenseLayer(int inputs, int outputs, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        _in = inputs;
        _out = outputs;
        _bias = bias;
        InputShape = Shape.Vector(inputs);
        OutputShape = Shape.Vector(outputs);
        ParameterTensors = bias
            ? [new("weight", 0, [outputs, inputs]), new("bias", outputs * inputs, [outputs])]
            : [new("weight", 0, [outputs, inputs])];
    }

    /// <inheritdoc/>
    public Shape InputShape { get; }

    /// <inheritdoc/>
    public Shape OutputShape { get; }

    /// <inheritdoc/>
    public int ParameterCount => _out * _in + (_bias ? _out : 0);

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <inheritdoc/>
    public int StateLength(int batch) => 0;

    /// <inheritdoc/>
    public int TangentStateLength(int batch) => 0;

    /// <inheritdoc/>
    public int ScratchLength(int batch) => 0;

    private ReadOnlySpan<T> Weight(ReadOnlySpan<T> p) => p.Slice(0, _out * _in);
    private ReadOnlySpan<T> Bias(ReadOnlySpan<T> p) => p.Slice(_out * _in, _out);

    /// <inheritdoc/>
    public void Initialize(Span<T> parameters, Random random) =>
        Initializers.KaimingUniform(parameters.Slice(0, ParameterCount), _in, random);

    /// <inheritdoc/>
    public void Forward(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> output, Span<T> state, Span<T> scratch)
    {
        // y = x·Wᵀ + b
        Gemm.Multiply(false, true, batch, _out, _in, input, _in, Weight(parameters), _in, output, _out);
        if (_bias) AddBias(batch, Bias(parameters), output);
    }

    /// <inheritdoc/>
    public void Backward(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, ReadOnlySpan<T> output, ReadOnlySpan<T> state,
        ReadOnlySpan<T> outputGradient, Span<T> inputGradient, Span<T> parameterGradient, Span<T> scratch)
    {
        // x̄ = ȳ·W, W̄ = ȳᵀ·x, b̄ = Σ_batch ȳ
        if (!inputGradient.IsEmpty)
            Gemm.Multiply(false, false, batch, _in, _out, outputGradient, _out, Weight(parameters), _in, inputGradient, _in);
        Gemm.Multiply(true, false, _out, _in, batch, outputGradient, _out, input, _in, parameterGradient, _in);
        if (_bias) SumRows(batch, outputGradient, parameterGradient.Slice(_out * _in, _out));
    }

    /// <inheritdoc/>
    public void ForwardTangent(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> parameterTangent, ReadOnlySpan<T> input,
        ReadOnlySpan<T> inputTangent, ReadOnlySpan<T> output, ReadOnlySpan<T> state, Span<T> outputTangent, Span<T> tangentState, Span<T> scratch)
    {
        // ẏ = ẋ·Wᵀ + x·Ẇᵀ + ḃ
        Gemm.Multiply(false, true, batch, _out, _in, input, _in, Weight(parameterTangent), _in, outputTangent, _out);
        if (!inputTangent.IsEmpty)
            Gemm.Multiply(false, true, batch, _out, _in, inputTangent, _in, Weight(parameters), _in, outputTangent, _out, accumulate: true);
        if (_bias) AddBias(batch, Bias(parameterTangent), outputTangent);
    }

    /// <inheritdoc/>
    public void BackwardTangent(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> parameterTangent, ReadOnlySpan<T> input,
        ReadOnlySpan<T> inputTangent, ReadOnlySpan<T> output, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> state,
        ReadOnlySpan<T> tangentState, ReadOnlySpan<T> outputGradient, ReadOnlySpan<T> outputGradientTangent,
        Span<T> inputGradientTangent, Span<T> parameterGradientTangent, Span<T> scratch)
    {
        // d/dε x̄ = ȳ̇·W + ȳ·Ẇ;  d/dε W̄ = ȳ̇ᵀ·x + ȳᵀ·ẋ;  d/dε b̄ = Σ ȳ̇
        if (!inputGradientTangent.IsEmpty)
        {
            Gemm.Multiply(false, false, batch, _in, _out, outputGradientTangent, _out, Weight(parameters), _in, inputGradientTangent, _in);
            Gemm.Multiply(false, false, batch, _in, _out, outputGradient, _out, Weight(parameterTangent), _in, inputGradientTangent, _in, accumulate: true);
        }
        Gemm.Multiply(true, false, _out, _in, batch, outputGradientTangent, _out, input, _in, parameterGradientTangent, _in);
        if (!inputTangent.IsEmpty)
            Gemm.Multiply(true, false, _out, _in, batch, outputGradient, _out, inputTangent, _in, parameterGradientTangent, _in, accumulate: true);
        if (_bias) SumRows(batch, outputGradientTangent, parameterGradientTangent.Slice(_out * _in, _out));
    }

    private void AddBias(int batch, ReadOnlySpan<T> bias, Span<T> output)
    {
        for (int b = 0; b < batch; b++)
        {
            Span<T> row = output.Slice(b * _out, _out);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    private void SumRows(int batch, ReadOnlySpan<T> rows, Span<T> sum)
    {
        sum.Clear();
        for (int b = 0; b < batch; b++) TensorPrimitives.Add(sum, rows.Slice(b * _out, _out), sum);
    }
}
