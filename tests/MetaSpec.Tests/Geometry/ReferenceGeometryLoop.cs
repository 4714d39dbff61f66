using MetaSpec.Geometry;
using MetaSpec.Meta;
using MetaSpec.Tasks;

namespace MetaSpec.Tests.Geometry;

/// <summary>
/// The reference inner loop and adjoint recursion of a preconditioned geometry (docs/geometry.md §2), written
/// plainly on top of an objective's gradient and exact Hessian-vector products, without the engine:
/// <code>
/// φₖ₊₁ = φₖ − α·P(θ_P)·gₖ,  gₖ = ∇L_S(φₖ) + λ(φₖ − φ₀)
/// a_N = ∇L_Q(φ_N);  for k = N−1 … 0:  ∇θ_P += −α·∂⟨aₖ₊₁, P gₖ⟩/∂θ_P;  w = α·Pᵀaₖ₊₁;  aₖ = aₖ₊₁ − (∇²L_S(φₖ) + λI)w;  anchor += λw
/// ∇φ₀ = a₀ + anchor
/// </code>
/// First order drops the second-derivative terms: aₖ = a_N, anchor = 0, and θ_P keeps −αΣₖ∂⟨a_N, P gₖ⟩/∂θ_P.
/// The engine's integration is checked against this next.
/// </summary>
internal sealed class PreconditionedReference(IObjective<double> objective, IPreconditioner<double> preconditioner, double alpha, int steps, double proximal = 0)
{
    private readonly IObjectiveEvaluator<double> _eval = objective.CreateEvaluator(16);
    private readonly double[] _scratch = new double[preconditioner.ScratchLength];
    private readonly int _p = objective.ParameterCount;

    public int Steps => steps;
    public double[][] Iterates { get; } = NewArrays(steps + 1, objective.ParameterCount);
    public double[][] Gradients { get; } = NewArrays(steps, objective.ParameterCount); // gₖ, proximal term included

    private static double[][] NewArrays(int count, int length) => Enumerable.Range(0, count).Select(_ => new double[length]).ToArray();

    /// <summary>Runs the N steps; returns L_Q(φ_N).</summary>
    public double Run(double[] start, double[] theta, TaskData<double> task)
    {
        start.CopyTo(Iterates[0], 0);
        var direction = new double[_p];
        for (int k = 0; k < steps; k++)
        {
            var (phi, g) = (Iterates[k], Gradients[k]);
            _eval.Gradient(phi, task.SupportInputs, task.SupportTargets, g);
            for (int i = 0; i < _p; i++) g[i] += proximal * (phi[i] - start[i]);
            preconditioner.Apply(theta, g, direction, _scratch);
            for (int i = 0; i < _p; i++) Iterates[k + 1][i] = phi[i] - alpha * direction[i];
        }
        return _eval.Loss(Iterates[steps], task.QueryInputs, task.QueryTargets);
    }

    /// <summary>Runs the loop and writes ∇φ₀ and ∇θ_P of L_Q(φ_N); returns L_Q(φ_N).</summary>
    public double MetaGradient(double[] start, double[] theta, TaskData<double> task, double[] startGradient, double[] thetaGradient, bool firstOrder = false)
    {
        Run(start, theta, task);
        var a = new double[_p];
        double loss = _eval.Gradient(Iterates[steps], task.QueryInputs, task.QueryTargets, a);
        Array.Clear(thetaGradient);
        var anchor = new double[_p];
        var w = new double[_p];
        var hw = new double[_p];
        var unused = new double[_p];
        for (int k = steps - 1; k >= 0; k--)
        {
            preconditioner.AccumulateParameterGradient(theta, a, Gradients[k], -alpha, thetaGradient, _scratch);
            if (firstOrder) continue;
            preconditioner.ApplyTranspose(theta, a, w, _scratch);
            for (int i = 0; i < _p; i++) w[i] *= alpha;
            _eval.HessianVectorProduct(Iterates[k], w, task.SupportInputs, task.SupportTargets, unused, hw);
            for (int i = 0; i < _p; i++)
            {
                a[i] -= hw[i] + proximal * w[i];
                anchor[i] += proximal * w[i];
            }
        }
        for (int i = 0; i < _p; i++) startGradient[i] = a[i] + anchor[i];
        return loss;
    }
}

/// <summary>
/// The reference mirror-descent inner loop and its adjoint recursion (docs/geometry.md §3), with M the mask of the
/// map's blocks (parameters outside them are not adapted):
/// <code>
/// φₖ = g(zₖ),  zₖ₊₁ = zₖ − α·M·∇L_S(φₖ)
/// a_N = J_g(z_N)ᵀ∇L_Q(φ_N),  ∇θ_g = J_θg(z_N)ᵀ∇L_Q(φ_N)
/// for k = N−1 … 0:  u = ∇²L_S(φₖ)·(α·M·aₖ₊₁);  aₖ = aₖ₊₁ − J_g(zₖ)ᵀu;  ∇θ_g −= J_θg(zₖ)ᵀu
/// ∇z₀ = a₀
/// </code>
/// First order drops the loop: ∇z₀ = a_N and ∇θ_g = J_θg(z_N)ᵀ∇L_Q(φ_N), the final map's share alone.
/// </summary>
internal sealed class MirrorReference(IObjective<double> objective, MirrorMap<double> map, double alpha, int steps)
{
    private readonly IObjectiveEvaluator<double> _eval = objective.CreateEvaluator(16);
    private readonly MirrorMapWorkspace<double> _workspace = map.CreateWorkspace();
    private readonly int _p = objective.ParameterCount;
    private readonly double[] _mask = Mask(map, objective.ParameterCount);

    public double[][] Duals { get; } = Enumerable.Range(0, steps + 1).Select(_ => new double[objective.ParameterCount]).ToArray();
    public double[][] Gradients { get; } = Enumerable.Range(0, steps).Select(_ => new double[objective.ParameterCount]).ToArray(); // M∇L_S(φₖ)
    public double[] Adapted { get; } = new double[objective.ParameterCount];

    private static double[] Mask(MirrorMap<double> map, int p)
    {
        var mask = new double[p];
        foreach (var b in map.Blocks) Array.Fill(mask, 1.0, b.Offset, b.Length);
        return mask;
    }

    /// <summary>Runs the N dual steps; returns L_Q(g(z_N)).</summary>
    public double Run(double[] start, double[] theta, TaskData<double> task)
    {
        start.CopyTo(Duals[0], 0);
        var phi = new double[_p];
        for (int k = 0; k < steps; k++)
        {
            map.Forward(theta, Duals[k], phi, _workspace);
            _eval.Gradient(phi, task.SupportInputs, task.SupportTargets, Gradients[k]);
            for (int i = 0; i < _p; i++)
            {
                Gradients[k][i] *= _mask[i];
                Duals[k + 1][i] = Duals[k][i] - alpha * Gradients[k][i];
            }
        }
        map.Forward(theta, Duals[steps], Adapted, _workspace);
        return _eval.Loss(Adapted, task.QueryInputs, task.QueryTargets);
    }

    /// <summary>Runs the loop and writes ∇z₀ and ∇θ_g of L_Q(g(z_N)); returns the loss.</summary>
    public double MetaGradient(double[] start, double[] theta, TaskData<double> task, double[] startGradient, double[] thetaGradient, bool firstOrder = false)
    {
        double loss = Run(start, theta, task);
        var q = new double[_p];
        _eval.Gradient(Adapted, task.QueryInputs, task.QueryTargets, q);
        var a = new double[_p];
        Array.Clear(thetaGradient);
        map.AccumulateTranspose(theta, Duals[steps], q, a, thetaGradient, _workspace); // the workspace still holds z_N
        var phi = new double[_p];
        var w = new double[_p];
        var u = new double[_p];
        var unused = new double[_p];
        for (int k = steps - 1; k >= 0 && !firstOrder; k--)
        {
            map.Forward(theta, Duals[k], phi, _workspace);
            for (int i = 0; i < _p; i++) w[i] = alpha * _mask[i] * a[i];
            _eval.HessianVectorProduct(phi, w, task.SupportInputs, task.SupportTargets, unused, u);
            for (int i = 0; i < _p; i++) u[i] = -u[i];
            map.AccumulateTranspose(theta, Duals[k], u, a, thetaGradient, _workspace);
        }
        a.CopyTo(startGradient, 0);
        return loss;
    }
}
