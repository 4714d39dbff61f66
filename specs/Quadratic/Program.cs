// MAML's fixed point on quadratic tasks: a curvature-weighted average of the task optima (DESIGN §6; the
// closed form follows from the meta-gradient ∏(I − α∇²f)∇f of Finn et al. 2017 on quadratics).
//
// What it shows: with tasks fᵢ(θ) = ½(θ − θᵢ)ᵀAᵢ(θ − θᵢ) and N inner steps of size α, the adapted point is
// θᵢ + (I − αAᵢ)^N (θ − θᵢ), so the meta-objective is a quadratic whose minimiser is
//     θ* = (Σ Aᵢ(I − αAᵢ)^{2N})⁻¹ Σ Aᵢ(I − αAᵢ)^{2N} θᵢ,
// not the plain average of the optima: tasks whose curvature is large in some direction adapt fast along it
// and pull the initialisation less there. Meta-training second-order MAML on the finite pool of these tasks
// (every task in every meta-batch: the exact finite-sum objective) must land on θ*.
//
// Why the runtime API and not the attributes: a quadratic task is not a network, and the DSL declares networks.
// QuadraticObjective implements the runtime's IObjective (loss, gradient, Hessian-vector product), and
// MetaProblem, TaskPool and MetaTrainer are the same engine the generated learners bind to.
//
// Run:     dotnet run --project specs/Quadratic            (options: --help)
// Expect:  the trained θ equal to θ* to about 1e-10 (double precision), and visibly far from the plain average.
using System.Diagnostics;
using MetaSpec.Meta;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;
using MetaSpec.Theory;
using static MetaSpec.Specs.SpecOutput;

namespace MetaSpec.Specs.QuadraticSpec;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole spec; the tests call it with a tiny budget.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Guard("Quadratic", error, () => Execute(args, output, error));

    private static int Execute(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new SpecCommandLine("Quadratic", "MAML's curvature-weighted fixed point on quadratic tasks, closed form vs training");
        var (iterations, seed, threads) = cli.AddStandard(iterations: 3000);
        var dimension = cli.Count("--dimension", 4, "d, the dimension of θ", "D");
        var taskCount = cli.Count("--tasks", 8, "tasks in the pool (all of them in every meta-batch)", "M");
        var steps = cli.Count("--steps", 2, "inner steps N", "N", minimum: 0);
        var stepSize = cli.Positive("--step-size", 0.1, "inner step size α (keep α·λmax(Aᵢ) < 1; eigenvalues are in [0.2, 5])", "A");
        if (!cli.TryParse(args, output, error, out int exit)) return exit;
        int d = dimension.Value, m = taskCount.Value, n = steps.Value;
        double alpha = stepSize.Value;

        // Tasks: Aᵢ = QᵢΛᵢQᵢᵀ with a random rotation Qᵢ and eigenvalues in [0.2, 5] (very different curvatures
        // per task and direction, which is what makes θ* differ from the average), optimum θᵢ ~ N(0, 4I).
        var random = new Random(seed.Value);
        var matrices = new double[m][];
        var optima = new double[m][];
        var pool = new List<TaskData<double>>();
        var objective = new QuadraticObjective<double>(d);
        for (int i = 0; i < m; i++)
        {
            matrices[i] = RandomSymmetric(random, d, 0.2, 5.0);
            optima[i] = new double[d];
            for (int j = 0; j < d; j++) optima[i][j] = 2 * Gaussian(random);
            // A quadratic "sample" packs Aᵢ then θᵢ; support and query are the same single sample (one task, no data noise).
            var task = new TaskData<double>(objective.InputSize, 1, 1, 1);
            matrices[i].CopyTo(task.SupportInputs, 0);
            optima[i].CopyTo(task.SupportInputs, d * d);
            task.SupportInputs.CopyTo(task.QueryInputs, 0);
            pool.Add(task);
        }

        double[] closedForm = FixedPoint(matrices, optima, alpha, n);
        var average = new double[d];
        foreach (var o in optima) for (int j = 0; j < d; j++) average[j] += o[j] / m;

        // Second-order MAML (Unrolled) from θ = 0 with plain gradient descent on the meta-objective; the pool
        // cycles in a fixed order, so a meta-batch of M tasks is exactly the finite sum.
        var problem = new MetaProblem<double>(objective, new InnerLoop { Steps = n, StepSize = alpha }, Hypergradient.Unrolled);
        var theta = problem.CreateMetaParameters(new double[d]);
        var clock = Stopwatch.StartNew();
        using (var trainer = new MetaTrainer<double>(problem, new TaskPool<double>(Shapes(objective), pool), new Sgd<double>(d, learningRate: 0.3), theta,
                   new TrainerOptions { TaskBatch = m, Threads = threads.Value, Seed = seed.Value }))
        {
            trainer.Train(iterations.Value);
        }

        output.WriteLine(F($"Quadratic tasks: d = {d}, M = {m} tasks, N = {n} inner steps of α = {alpha}; {iterations.Value} iterations of gradient descent on the MAML objective ({clock.Elapsed.TotalSeconds:F2} s)"));
        output.WriteLine($"  closed-form θ*          {Vector(closedForm)}");
        output.WriteLine($"  meta-trained θ          {Vector(theta)}");
        output.WriteLine($"  plain average of θᵢ     {Vector(average)}");
        output.WriteLine(F($"  ‖trained − θ*‖ = {Distance(theta, closedForm):0.0e+00}   ‖average − θ*‖ = {Distance(average, closedForm):F4}   ‖θ*‖ = {Distance(closedForm, new double[d]):F4}"));
        return 0;
    }

    /// <summary>θ* = (Σ Aᵢ(I − αAᵢ)^{2N})⁻¹ Σ Aᵢ(I − αAᵢ)^{2N} θᵢ, in double precision.</summary>
    private static double[] FixedPoint(double[][] matrices, double[][] optima, double alpha, int steps)
    {
        int d = optima[0].Length;
        var lhs = new double[d * d];
        var rhs = new double[d];
        for (int i = 0; i < matrices.Length; i++)
        {
            // W = Aᵢ(I − αAᵢ)^{2N}: Aᵢ and (I − αAᵢ) commute, so the order does not matter.
            double[] w = matrices[i];
            double[] contraction = Identity(d);
            for (int p = 0; p < d * d; p++) contraction[p] -= alpha * matrices[i][p];
            for (int k = 0; k < 2 * steps; k++) w = Multiply(w, contraction, d);
            for (int p = 0; p < d * d; p++) lhs[p] += w[p];
            for (int r = 0; r < d; r++)
                for (int c = 0; c < d; c++) rhs[r] += w[r * d + c] * optima[i][c];
        }
        return LinearAlgebra.Solve(lhs, rhs, d);
    }

    private static MetaSpec.Shape Shapes(QuadraticObjective<double> objective) => MetaSpec.Shape.Vector(objective.InputSize);

    /// <summary>QΛQᵀ with Q from Gram–Schmidt on a Gaussian matrix and eigenvalues uniform on a log scale in [low, high].</summary>
    private static double[] RandomSymmetric(Random random, int d, double low, double high)
    {
        var q = new double[d * d];
        for (int p = 0; p < q.Length; p++) q[p] = Gaussian(random);
        for (int c = 0; c < d; c++)
        {
            for (int prev = 0; prev < c; prev++)
            {
                double dot = 0;
                for (int r = 0; r < d; r++) dot += q[r * d + c] * q[r * d + prev];
                for (int r = 0; r < d; r++) q[r * d + c] -= dot * q[r * d + prev];
            }
            double norm = 0;
            for (int r = 0; r < d; r++) norm += q[r * d + c] * q[r * d + c];
            norm = Math.Sqrt(norm);
            for (int r = 0; r < d; r++) q[r * d + c] /= norm;
        }
        var eigen = new double[d];
        for (int k = 0; k < d; k++) eigen[k] = low * Math.Pow(high / low, random.NextDouble());
        var a = new double[d * d];
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += q[r * d + k] * eigen[k] * q[c * d + k];
                a[r * d + c] = s;
            }
        // Exactly symmetric, as the HVP and the closed form both assume.
        for (int r = 0; r < d; r++)
            for (int c = r + 1; c < d; c++) a[r * d + c] = a[c * d + r];
        return a;
    }

    private static double[] Identity(int d)
    {
        var m = new double[d * d];
        for (int k = 0; k < d; k++) m[k * d + k] = 1;
        return m;
    }

    private static double[] Multiply(double[] a, double[] b, int d)
    {
        var c = new double[d * d];
        for (int r = 0; r < d; r++)
            for (int k = 0; k < d; k++)
                for (int col = 0; col < d; col++) c[r * d + col] += a[r * d + k] * b[k * d + col];
        return c;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(s);
    }

    private static string Vector(ReadOnlySpan<double> v)
    {
        var parts = new string[v.Length];
        for (int i = 0; i < v.Length; i++) parts[i] = F($"{v[i],9:F5}");
        return "[" + string.Join(", ", parts) + " ]";
    }
}
