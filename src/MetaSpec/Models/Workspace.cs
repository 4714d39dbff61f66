using System.Numerics;

namespace MetaSpec.Models;

/// <summary>
/// Every buffer one thread needs to evaluate a <see cref="Sequential{T}"/>'s loss, gradient and
/// Hessian-vector product for batches of up to <see cref="MaxBatch"/> samples. Sized once, so the calls
/// allocate nothing; not thread-safe: give each thread its own.
/// </summary>
public sealed class Workspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal Workspace(Sequential<T> network, int maxBatch, bool hessianVectorProducts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        Network = network;
        MaxBatch = maxBatch;
        HasTangents = hessianVectorProducts;
        int tangentBatch = hessianVectorProducts ? maxBatch : 0; // gradient-only workspaces skip the tangent buffers
        int layers = network.Layers.Count;
        Activations = new T[layers][];
        ActivationTangents = new T[layers][];
        States = new T[layers][];
        TangentStates = new T[layers][];
        int widest = network.InputShape.Size, scratch = 0;
        for (int l = 0; l < layers; l++)
        {
            var layer = network.Layers[l].Layer;
            int size = maxBatch * layer.OutputShape.Size;
            Activations[l] = new T[size];
            ActivationTangents[l] = new T[tangentBatch * layer.OutputShape.Size];
            States[l] = new T[layer.StateLength(maxBatch)];
            TangentStates[l] = new T[hessianVectorProducts ? layer.TangentStateLength(maxBatch) : 0];
            widest = Math.Max(widest, layer.OutputShape.Size);
            scratch = Math.Max(scratch, layer.ScratchLength(maxBatch));
        }
        Gradient = [new T[maxBatch * widest], new T[maxBatch * widest]];
        GradientTangent = [new T[tangentBatch * widest], new T[tangentBatch * widest]];
        Scratch = new T[scratch];
        FusedScratch = new T[network.FusedScratchLength];
    }

    /// <summary>The network this workspace was sized for.</summary>
    public Sequential<T> Network { get; }

    /// <summary>Whether the workspace holds the tangent buffers that Hessian-vector products need.</summary>
    public bool HasTangents { get; }

    /// <summary>The largest batch a call may use.</summary>
    public int MaxBatch { get; }

    internal T[][] Activations { get; }
    internal T[][] ActivationTangents { get; }
    internal T[][] States { get; }
    internal T[][] TangentStates { get; }

    // Ping-pong buffers for ∂L/∂a between consecutive layers, and their tangents.
    internal T[][] Gradient { get; }
    internal T[][] GradientTangent { get; }
    internal T[] Scratch { get; }

    // The fused dense passes' transposed weights (empty unless the network fuses them).
    internal T[] FusedScratch { get; }

    /// <summary>Bytes held by this workspace's buffers.</summary>
    public long Bytes
    {
        get
        {
            long n = Scratch.Length + FusedScratch.Length;
            foreach (var set in new[] { Activations, ActivationTangents, States, TangentStates, Gradient, GradientTangent })
                foreach (var a in set) n += a.Length;
            return n * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        }
    }
}
