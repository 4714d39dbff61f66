using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MetaSpec.Kernels;

/// <summary>
/// The reductions and fused updates batch normalisation needs, over one contiguous run of a channel's values.
/// Every formula is written with the centred input d = x − μ rather than x itself, so that float inputs with a
/// large mean lose no precision to cancellation.
/// </summary>
internal static class Normalization
{
    /// <summary>Σ (x[i] − mean)².</summary>
    public static T SumOfSquaredDeviations<T>(ReadOnlySpan<T> x, T mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            var vMean = new Vector<T>(mean);
            var acc = Vector<T>.Zero;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var d = Load(ref xr, i) - vMean;
                acc += d * d;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < n; i++)
        {
            T d = Unsafe.Add(ref xr, i) - mean;
            sum += d * d;
        }
        return sum;
    }

    /// <summary>(Σ v[i], Σ v[i]·(x[i] − mean)) in one pass.</summary>
    public static (T Sum, T CenteredDot) SumAndCenteredDot<T>(ReadOnlySpan<T> v, ReadOnlySpan<T> x, T mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (v.Length != x.Length) throw new ArgumentException($"Span lengths differ: {v.Length} and {x.Length}.");
        ref T vr = ref MemoryMarshal.GetReference(v);
        ref T xr = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        T sum = T.Zero, dot = T.Zero;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            var vMean = new Vector<T>(mean);
            Vector<T> sumAcc = Vector<T>.Zero, dotAcc = Vector<T>.Zero;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vv = Load(ref vr, i);
                sumAcc += vv;
                dotAcc += vv * (Load(ref xr, i) - vMean);
            }
            sum = Vector.Sum(sumAcc);
            dot = Vector.Sum(dotAcc);
        }
        for (; i < n; i++)
        {
            T vi = Unsafe.Add(ref vr, i);
            sum += vi;
            dot += vi * (Unsafe.Add(ref xr, i) - mean);
        }
        return (sum, dot);
    }

    /// <summary>
    /// dst[i] = α·u[i] + β·v[i] + δ·(x[i] − mean) + c, where an empty <paramref name="u"/> or <paramref name="v"/>
    /// drops its term. <paramref name="dst"/> may be <paramref name="u"/>, <paramref name="v"/> or <paramref name="x"/>.
    /// </summary>
    public static void Combine<T>(ReadOnlySpan<T> u, T alpha, ReadOnlySpan<T> v, T beta, ReadOnlySpan<T> x, T mean, T delta, T c, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length;
        if (dst.Length != n || (!u.IsEmpty && u.Length != n) || (!v.IsEmpty && v.Length != n))
            throw new ArgumentException($"Span lengths differ: x {n}, u {u.Length}, v {v.Length}, destination {dst.Length}.");
        // An absent vector reads as zeros through a zero coefficient on x itself: same loop, no extra branch per element.
        if (u.IsEmpty)
        {
            u = x;
            alpha = T.Zero;
        }
        if (v.IsEmpty)
        {
            v = x;
            beta = T.Zero;
        }
        ref T ur = ref MemoryMarshal.GetReference(u);
        ref T vr = ref MemoryMarshal.GetReference(v);
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T dr = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Vector<T> va = new(alpha), vb = new(beta), vd = new(delta), vc = new(c), vm = new(mean);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var r = va * Load(ref ur, i) + vb * Load(ref vr, i) + vd * (Load(ref xr, i) - vm) + vc;
                Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref dr, i)), r);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref dr, i) = alpha * Unsafe.Add(ref ur, i) + beta * Unsafe.Add(ref vr, i) + delta * (Unsafe.Add(ref xr, i) - mean) + c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load<T>(ref T start, int i) where T : unmanaged =>
        Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref start, i)));
}
