using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Kernels;

namespace MetaSpec.Layers;

/// <summary>
/// Batch normalisation of [C, H, W] samples with the statistics of the current batch, always (PyTorch's
/// BatchNorm2d in training mode without running statistics; MAML's transductive per-task normalisation).
/// Per channel, over its M = N·H·W values: μ = mean(x), σ² = mean((x − μ)²) (biased), s = 1/√(σ² + ε),
/// x̂ = (x − μ)·s and y = γ·x̂ + β. Segment layout: weight γ [C] (initialised to 1), then bias β [C] (to 0).
/// </summary>
/// <remarks>
/// Derivatives per channel, with means over the channel's M values:
/// <list type="bullet">
/// <item>backward: β̄ = Σȳ, γ̄ = Σȳ·x̂, x̄ = s·(g − mean(g) − x̂·mean(g·x̂)) with g = γ·ȳ;</item>
/// <item>forward tangent: ṡ = −s²·m with m = mean(x̂·ẋ), x̂̇ = s·(ẋ − mean(ẋ) − x̂·m), ẏ = γ̇·x̂ + γ·x̂̇ + β̇;</item>
/// <item>backward tangent: the derivative of the backward formulas,
/// d/dε x̄ = ṡ·(g − a − x̂·q) + s·(ġ − ȧ − x̂̇·q − x̂·q̇) with a = mean(g), q = mean(g·x̂), ġ = γ̇·ȳ + γ·ȳ̇,
/// ȧ = mean(ġ), q̇ = mean(ġ·x̂ + g·x̂̇); d/dε γ̄ = Σ(ȳ̇·x̂ + ȳ·x̂̇); d/dε β̄ = Σȳ̇.</item>
/// </list>
/// State holds μ and s per channel; tangent state holds mean(ẋ) and m per channel.
/// </remarks>
public sealed class BatchNorm2dLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _channels;
    private readonly int _plane;
    private readonly T _epsilon;

    /// <summary>Batch normalisation of <paramref name="input"/> images, with ε = <paramref name="epsilon"/> added to the variance.</summary>
    public BatchNorm2dLayer(Shape input, double epsilon = 1e-5)
    {
        if (input.IsVector)
            throw new ArgumentException($"BatchNorm2d needs image samples [C, H, W], got the vector shape {input}.", nameof(input));
        if (!double.IsFinite(epsilon) || epsilon <= 0)
            throw new ArgumentOutOfRangeException(nameof(epsilon), $"BatchNorm2d needs a positive, finite epsilon, got {epsilon}.");
        _channels = input.Channels;
        _plane = input.Height * input.Width;
        _epsilon = T.CreateTruncating(epsilon);
        InputShape = input;
        OutputShape = input;
        ParameterTensors = [new("weight", 0, [_channels]), new("bias", _channels, [_channels])];
    }

    /// <inheritdoc/>
    public Shape InputShape { get; }

    /// <inheritdoc/>
    public Shape OutputShape { get; }

    /// <summary>ε, added to the variance.</summary>
    public double Epsilon => double.CreateTruncating(_epsilon);

    /// <inheritdoc/>
    public int ParameterCount => 2 * _channels;

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <inheritdoc/>
    /// <remarks>μ and s per channel.</remarks>
    public int StateLength(int batch) => 2 * _channels;

    /// <inheritdoc/>
    /// <remarks>mean(ẋ) and mean(x̂·ẋ) per channel.</remarks>
    public int TangentStateLength(int batch) => 2 * _channels;

    /// <inheritdoc/>
    public int ScratchLength(int batch) => 0;

    /// <inheritdoc/>
    public void Initialize(Span<T> parameters, Random random)
    {
        parameters.Slice(0, _channels).Fill(T.One);
        parameters.Slice(_channels, _channels).Clear();
    }

    /// <inheritdoc/>
    public void Forward(in ForwardPass<T> pass)
    {
        int batch = pass.Batch;
        ReadOnlySpan<T> parameters = pass.Parameters, input = pass.Input;
        Span<T> output = pass.Output, state = pass.State;
        int count = batch * _plane;
        if (count < 2)
            throw new ArgumentException(
                $"BatchNorm2d on input {InputShape} needs more than one value per channel for batch statistics, but a batch of {batch} has {count}.",
                nameof(batch));
        T invCount = T.One / T.CreateTruncating(count);
        for (int c = 0; c < _channels; c++)
        {
            T sum = T.Zero;
            for (int b = 0; b < batch; b++) sum += TensorPrimitives.Sum(Plane(input, b, c));
            T mean = sum * invCount;
            T squares = T.Zero;
            for (int b = 0; b < batch; b++) squares += Normalization.SumOfSquaredDeviations(Plane(input, b, c), mean);
            T inverseStd = T.One / T.Sqrt(squares * invCount + _epsilon);
            state[c] = mean;
            state[_channels + c] = inverseStd;

            // y = γ·s·(x − μ) + β
            T gamma = parameters[c], beta = parameters[_channels + c];
            for (int b = 0; b < batch; b++)
                Normalization.Combine([], T.Zero, [], T.Zero, Plane(input, b, c), mean, gamma * inverseStd, beta, Plane(output, b, c));
        }
    }

    /// <inheritdoc/>
    public void Backward(in BackwardPass<T> pass)
    {
        int batch = pass.Batch;
        ReadOnlySpan<T> parameters = pass.Parameters, input = pass.Input, state = pass.State, outputGradient = pass.OutputGradient;
        Span<T> inputGradient = pass.InputGradient, parameterGradient = pass.ParameterGradient;
        T invCount = T.One / T.CreateTruncating(batch * _plane);
        for (int c = 0; c < _channels; c++)
        {
            T mean = state[c], s = state[_channels + c], gamma = parameters[c];
            var (sumDy, sumDyCentered) = SumAndCenteredDot(batch, c, outputGradient, input, mean);
            parameterGradient[c] = s * sumDyCentered;     // γ̄ = Σȳ·x̂
            parameterGradient[_channels + c] = sumDy;     // β̄ = Σȳ
            if (inputGradient.IsEmpty) continue;

            // x̄ = s·(γȳ − a − x̂·q) = sγ·ȳ − s²q·(x − μ) − s·a, with a = mean(γȳ), q = mean(γȳ·x̂)
            T a = gamma * sumDy * invCount, q = gamma * s * sumDyCentered * invCount;
            for (int b = 0; b < batch; b++)
                Normalization.Combine(Plane(outputGradient, b, c), s * gamma, [], T.Zero, Plane(input, b, c), mean,
                    -s * s * q, -s * a, Plane(inputGradient, b, c));
        }
    }

    /// <inheritdoc/>
    public void ForwardTangent(in ForwardTangentPass<T> pass)
    {
        int batch = pass.Batch;
        ReadOnlySpan<T> parameters = pass.Parameters, parameterTangent = pass.ParameterTangent, input = pass.Input,
            inputTangent = pass.InputTangent, state = pass.State;
        Span<T> outputTangent = pass.OutputTangent, tangentState = pass.TangentState;
        T invCount = T.One / T.CreateTruncating(batch * _plane);
        for (int c = 0; c < _channels; c++)
        {
            T mean = state[c], s = state[_channels + c], gamma = parameters[c];
            T gammaDot = parameterTangent[c], betaDot = parameterTangent[_channels + c];
            T meanXDot = T.Zero, m = T.Zero;
            if (!inputTangent.IsEmpty)
            {
                var (sumXDot, sumXDotCentered) = SumAndCenteredDot(batch, c, inputTangent, input, mean);
                meanXDot = sumXDot * invCount;
                m = s * sumXDotCentered * invCount;       // m = mean(x̂·ẋ)
            }
            tangentState[c] = meanXDot;
            tangentState[_channels + c] = m;

            // ẏ = γ̇x̂ + γ·s·(ẋ − mean(ẋ) − x̂m) = γs·ẋ + (γ̇s − γs²m)·(x − μ) + β̇ − γs·mean(ẋ)
            for (int b = 0; b < batch; b++)
                Normalization.Combine(inputTangent.IsEmpty ? [] : Plane(inputTangent, b, c), gamma * s, [], T.Zero,
                    Plane(input, b, c), mean, gammaDot * s - gamma * s * s * m, betaDot - gamma * s * meanXDot, Plane(outputTangent, b, c));
        }
    }

    /// <inheritdoc/>
    public void BackwardTangent(in BackwardTangentPass<T> pass)
    {
        int batch = pass.Batch;
        ReadOnlySpan<T> parameters = pass.Parameters, parameterTangent = pass.ParameterTangent, input = pass.Input,
            inputTangent = pass.InputTangent, state = pass.State, tangentState = pass.TangentState;
        ReadOnlySpan<T> outputGradient = pass.OutputGradient, outputGradientTangent = pass.OutputGradientTangent;
        Span<T> inputGradientTangent = pass.InputGradientTangent, parameterGradientTangent = pass.ParameterGradientTangent;
        int count = batch * _plane;
        T invCount = T.One / T.CreateTruncating(count);
        for (int c = 0; c < _channels; c++)
        {
            T mean = state[c], s = state[_channels + c], gamma = parameters[c], gammaDot = parameterTangent[c];
            T meanXDot = tangentState[c], m = tangentState[_channels + c];

            // Channel means of ȳ, ȳ·x̂, ȳ̇, ȳ̇·x̂, ȳ·ẋ.
            var (sumDy, sumDyCentered) = SumAndCenteredDot(batch, c, outputGradient, input, mean);
            var (sumDyDot, sumDyDotCentered) = SumAndCenteredDot(batch, c, outputGradientTangent, input, mean);
            T sumDyXDot = T.Zero;
            if (!inputTangent.IsEmpty)
                for (int b = 0; b < batch; b++) sumDyXDot += TensorPrimitives.Dot(Plane(outputGradient, b, c), Plane(inputTangent, b, c));
            T meanDy = sumDy * invCount, meanDyHat = s * sumDyCentered * invCount;
            T meanDyDot = sumDyDot * invCount, meanDyDotHat = s * sumDyDotCentered * invCount;
            // mean(ȳ·x̂̇) with x̂̇ = s·(ẋ − mean(ẋ) − x̂m)
            T meanDyHatDot = s * (sumDyXDot * invCount - meanXDot * meanDy - m * meanDyHat);

            parameterGradientTangent[c] = T.CreateTruncating(count) * (meanDyDotHat + meanDyHatDot); // Σ(ȳ̇x̂ + ȳx̂̇)
            parameterGradientTangent[_channels + c] = sumDyDot;                                      // Σȳ̇
            if (inputGradientTangent.IsEmpty) continue;

            // a = mean(g), q = mean(g·x̂) with g = γȳ; their tangents with ġ = γ̇ȳ + γȳ̇.
            T a = gamma * meanDy, q = gamma * meanDyHat;
            T aDot = gammaDot * meanDy + gamma * meanDyDot;
            T qDot = gammaDot * meanDyHat + gamma * meanDyDotHat + gamma * meanDyHatDot;
            // Expanding ṡ(g − a − x̂q) + s(ġ − ȧ − x̂̇q − x̂q̇) with ṡ = −s²m, x̂ = s(x − μ) and x̂̇ = s(ẋ − mean(ẋ) − x̂m)
            // gives one linear combination of ȳ, ȳ̇, ẋ, (x − μ) and a constant:
            T s2 = s * s;
            T dyCoefficient = s * gammaDot - s2 * m * gamma;
            T dyDotCoefficient = s * gamma;
            T xDotCoefficient = -s2 * q;
            T centeredCoefficient = (T.One + T.One) * s2 * s * m * q - s2 * qDot;
            T constant = s2 * m * a - s * aDot + s2 * q * meanXDot;
            for (int b = 0; b < batch; b++)
            {
                Span<T> dst = Plane(inputGradientTangent, b, c);
                Normalization.Combine(Plane(outputGradient, b, c), dyCoefficient, Plane(outputGradientTangent, b, c), dyDotCoefficient,
                    Plane(input, b, c), mean, centeredCoefficient, constant, dst);
                if (!inputTangent.IsEmpty) TensorPrimitives.MultiplyAdd(Plane(inputTangent, b, c), xDotCoefficient, dst, dst);
            }
        }
    }

    /// <summary>Channel <paramref name="c"/> of sample <paramref name="b"/>: H·W contiguous values.</summary>
    private ReadOnlySpan<T> Plane(ReadOnlySpan<T> values, int b, int c) => values.Slice((b * _channels + c) * _plane, _plane);

    private Span<T> Plane(Span<T> values, int b, int c) => values.Slice((b * _channels + c) * _plane, _plane);

    /// <summary>(Σ v, Σ v·(x − μ)) over channel <paramref name="c"/> of the batch.</summary>
    private (T Sum, T CenteredDot) SumAndCenteredDot(int batch, int c, ReadOnlySpan<T> v, ReadOnlySpan<T> x, T mean)
    {
        T sum = T.Zero, dot = T.Zero;
        for (int b = 0; b < batch; b++)
        {
            var (s, d) = Normalization.SumAndCenteredDot(Plane(v, b, c), Plane(x, b, c), mean);
            sum += s;
            dot += d;
        }
        return (sum, dot);
    }
}
