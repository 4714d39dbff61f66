using System.Numerics;
using System.Reflection;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// One hypergradient method's engine for one thread: after the <see cref="InnerTrajectory{T}"/> has run, it writes the
/// task's meta-gradient for the trajectory's window (and the geometry's θ_P) with scratch buffers of its own.
/// </summary>
/// <remarks>
/// A method is one file: a sealed class deriving from this one, marked with <see cref="HypergradientMethodAttribute"/>
/// naming its <see cref="HypergradientKind"/> and its needs, with a constructor taking
/// (<see cref="Hypergradient"/> settings, <see cref="InnerTrajectory{T}"/> trajectory). <see cref="Create"/> finds it.
/// </remarks>
internal abstract class HypergradientMethod<T>(InnerTrajectory<T> trajectory) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The inner loop this method differentiates.</summary>
    protected InnerTrajectory<T> Trajectory { get; } = trajectory;

    /// <summary>
    /// Writes the window's part of the meta-gradient (and the geometry's) for the task the trajectory last ran;
    /// returns the query loss L_Q(θ_N).
    /// </summary>
    public abstract T MetaGradient(ReadOnlySpan<T> metaParameters, Span<T> metaGradient);

    /// <summary>The Hessian product the method multiplies by; null when it has no second-order term.</summary>
    public virtual HessianProduct<T>? Hessian => null;

    /// <summary>The method of <paramref name="settings"/> over <paramref name="trajectory"/>.</summary>
    public static HypergradientMethod<T> Create(Hypergradient settings, InnerTrajectory<T> trajectory)
    {
        var type = HypergradientMethods.Find(settings.Kind).Type.MakeGenericType(typeof(T));
        return (HypergradientMethod<T>)Activator.CreateInstance(type, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic,
            binder: null, [settings, trajectory], culture: null)!;
    }
}

/// <summary>Marks a <see cref="HypergradientMethod{T}"/> as the engine of <paramref name="kind"/>, with what it needs.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class HypergradientMethodAttribute(HypergradientKind kind) : Attribute
{
    /// <summary>The method implemented.</summary>
    public HypergradientKind Kind { get; } = kind;

    /// <summary>Whether it multiplies by exact Hessians (its workspaces then carry tangent buffers).</summary>
    public bool HessianVectorProducts { get; set; }

    /// <summary>
    /// Whether it may run on the head alone when only the head adapts (ANIL): true for methods that use nothing but
    /// the iterates, the query gradient and exact support Hessian-vector products, whose body share the head loss
    /// completes.
    /// </summary>
    public bool HeadSpecialization { get; set; }
}

/// <summary>The registry of method engines, read once from the <see cref="HypergradientMethodAttribute"/>s of this assembly.</summary>
internal static class HypergradientMethods
{
    private static readonly Dictionary<HypergradientKind, (Type Type, HypergradientMethodAttribute Needs)> Engines = Scan();

    /// <summary>The engine of <paramref name="kind"/> and what it needs.</summary>
    public static (Type Type, HypergradientMethodAttribute Needs) Find(HypergradientKind kind) =>
        Engines.TryGetValue(kind, out var engine) ? engine : throw new ArgumentOutOfRangeException(nameof(kind), kind, $"No engine implements the hypergradient method {kind}.");

    private static Dictionary<HypergradientKind, (Type, HypergradientMethodAttribute)> Scan()
    {
        var engines = new Dictionary<HypergradientKind, (Type, HypergradientMethodAttribute)>();
        foreach (var type in typeof(HypergradientMethods).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<HypergradientMethodAttribute>() is not { } needs) continue;
            if (!engines.TryAdd(needs.Kind, (type, needs)))
                throw new InvalidOperationException($"Two engines implement {needs.Kind}: {engines[needs.Kind].Item1.Name} and {type.Name}.");
        }
        return engines;
    }
}
