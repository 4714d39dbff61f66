using System.Numerics;
using MetaSpec.Models;

namespace MetaSpec.Meta;

/// <summary>
/// A network with the parameters adaptation to one task produced: predicts for that task.
/// Not thread-safe (it reuses one workspace); adapt once per thread or lock.
/// </summary>
public sealed class AdaptedNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _parameters;
    private Workspace<T>? _workspace;

    /// <summary>The network with the given adapted parameters θ_N (copied).</summary>
    public AdaptedNetwork(Sequential<T> network, ReadOnlySpan<T> parameters)
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.Length(parameters.Length, network.ParameterCount, nameof(parameters));
        Network = network;
        _parameters = parameters.ToArray();
    }

    /// <summary>The network.</summary>
    public Sequential<T> Network { get; }

    /// <summary>The adapted parameters θ_N.</summary>
    public ReadOnlySpan<T> Parameters => _parameters;

    /// <summary>Outputs for the samples in <paramref name="inputs"/> (batch-major), in a new array.</summary>
    public T[] Predict(ReadOnlySpan<T> inputs)
    {
        var outputs = new T[inputs.Length / Math.Max(1, Network.InputShape.Size) * Network.OutputShape.Size];
        Predict(inputs, outputs);
        return outputs;
    }

    /// <summary>Writes the outputs for the samples in <paramref name="inputs"/> into <paramref name="outputs"/>; allocates only when the batch outgrows the last one.</summary>
    public void Predict(ReadOnlySpan<T> inputs, Span<T> outputs)
    {
        int batch = Math.Max(1, inputs.Length / Network.InputShape.Size);
        if (_workspace is null || _workspace.MaxBatch < batch) _workspace = Network.CreateWorkspace(batch);
        Network.Predict(_parameters, inputs, outputs, _workspace);
    }
}
