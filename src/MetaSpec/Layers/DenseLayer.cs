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

    /// <summary>Input features.</summary>
    internal int Inputs => _in;

    /// <summary>Output features.</summary>
    internal int Outputs => _out;

    /// <summary>Whether the segment ends with a bias.</summary>
    internal bool HasBias => _bias;

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
    public void Forward(in ForwardPass<T> pass)
    {
        // y = x·Wᵀ + b
        int batch = pass.Batch;
        Gemm.Multiply(false, true, batch, _out, _in, pass.Input, _in, Weight(pass.Parameters), _in, pass.Output, _out);
        if (_bias) AddBias(batch, Bias(pass.Parameters), pass.Output);
    }

    /// <inheritdoc/>
    public void Backward(in BackwardPass<T> pass)
    {
        // x̄ = ȳ·W, W̄ = ȳᵀ·x, b̄ = Σ_batch ȳ
        int batch = pass.Batch;
        ReadOnlySpan<T> dy = pass.OutputGradient;
        if (!pass.InputGradient.IsEmpty)
            Gemm.Multiply(false, false, batch, _in, _out, dy, _out, Weight(pass.Parameters), _in, pass.InputGradient, _in);
        Gemm.Multiply(true, false, _out, _in, batch, dy, _out, pass.Input, _in, pass.ParameterGradient, _in);
        if (_bias) SumRows(batch, dy, pass.ParameterGradient.Slice(_out * _in, _out));
    }

    /// <inheritdoc/>
    public void ForwardTangent(in ForwardTangentPass<T> pass)
    {
        // ẏ = ẋ·Wᵀ + x·Ẇᵀ + ḃ
        int batch = pass.Batch;
        Gemm.Multiply(false, true, batch, _out, _in, pass.Input, _in, Weight(pass.ParameterTangent), _in, pass.OutputTangent, _out);
        if (!pass.InputTangent.IsEmpty)
            Gemm.Multiply(false, true, batch, _out, _in, pass.InputTangent, _in, Weight(pass.Parameters), _in, pass.OutputTangent, _out, accumulate: true);
        if (_bias) AddBias(batch, Bias(pass.ParameterTangent), pass.OutputTangent);
    }

    /// <inheritdoc/>
    public void BackwardTangent(in BackwardTangentPass<T> pass)
    {
        // d/dε x̄ = ȳ̇·W + ȳ·Ẇ;  d/dε W̄ = ȳ̇ᵀ·x + ȳᵀ·ẋ;  d/dε b̄ = Σ ȳ̇
        int batch = pass.Batch;
        ReadOnlySpan<T> dy = pass.OutputGradient, dyDot = pass.OutputGradientTangent;
        Span<T> dxDot = pass.InputGradientTangent, dThetaDot = pass.ParameterGradientTangent;
        if (!dxDot.IsEmpty)
        {
            Gemm.Multiply(false, false, batch, _in, _out, dyDot, _out, Weight(pass.Parameters), _in, dxDot, _in);
            Gemm.Multiply(false, false, batch, _in, _out, dy, _out, Weight(pass.ParameterTangent), _in, dxDot, _in, accumulate: true);
        }
        Gemm.Multiply(true, false, _out, _in, batch, dyDot, _out, pass.Input, _in, dThetaDot, _in);
        if (!pass.InputTangent.IsEmpty)
            Gemm.Multiply(true, false, _out, _in, batch, dy, _out, pass.InputTangent, _in, dThetaDot, _in, accumulate: true);
        if (_bias) SumRows(batch, dyDot, dThetaDot.Slice(_out * _in, _out));
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
