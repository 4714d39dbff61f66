// The main job: sinusoid regression with second-order MAML (Finn et al. 2017, §5.1), declared with
// MetaSpec's attributes (SineMaml.cs) and trained through the generated API.
//
//   dotnet run --project specs/Sinusoid [-- --iterations N --seed S --threads T --eval-tasks M --out DIR]
//
// Meta-trains (a live progress bar in a terminal; a line every 10% when the output is redirected), evaluates on
// 600 new tasks (query MSE ± 95% interval after 0, 1 and 10 steps, for K = 10 and K = 5), saves a safetensors
// checkpoint and writes an SVG figure: fits before and after adaptation against the true sine (like Finn et al.'s
// Fig. 2) and the learning curve. The output folder is checked for writing before training starts.
using System.Diagnostics;
using System.Globalization;
using MetaSpec.Tasks;
using Spectre.Console;
using static MetaSpec.Specs.SpecOutput;

namespace MetaSpec.Specs.SinusoidSpec;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole job; the tests call it with a tiny budget and text writers.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Guard("Sinusoid", error, () => Execute(args, output, error));

    private static int Execute(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new SpecCommandLine("Sinusoid", "Sinusoid regression with second-order MAML (Finn et al. 2017): train, evaluate, checkpoint, figure");
        var (iterations, seed, threads) = cli.AddStandard(iterations: 10_000);
        var evalTasks = cli.Count("--eval-tasks", 600, "held-out tasks per evaluation");
        var outFolder = cli.OutputFolder("--out", Path.Combine("out", "sinusoid"), "where the checkpoint and the figure go (created; checked for writing before training)");
        if (!cli.TryParse(args, output, error, out int exit)) return exit;

        IAnsiConsole console = Terminal.Console(output);
        var learner = new SineMaml(seed.Value);
        learner.Engine.Log = new ConsoleLines(console); // the runtime's smoothness estimate and α·N·L verdict, above the progress bar
        var tasks = new SinusoidTasks<float>(shots: 10);
        console.WriteLine(F($"Sinusoid MAML: {SineNet.ParameterCount} parameters, {iterations.Value} meta-iterations of {SineMaml.TaskBatch} tasks, {threads.Value} threads"));

        // The learning curve keeps the mean meta-loss of every 1% of the run.
        var curve = new List<(double X, double Y)>();
        int window = Math.Max(1, iterations.Value / 100);
        double windowSum = 0;
        var clock = Stopwatch.StartNew();
        Terminal.Progress(console, "meta-training", iterations.Value, report =>
            learner.Train(tasks, iterations.Value, step =>
            {
                windowSum += step.MetaLoss;
                long done = step.Iteration + 1;
                if (done % window != 0 && done != iterations.Value) return;
                double mean = windowSum / (done % window == 0 ? window : done % window);
                windowSum = 0;
                curve.Add((done, mean));
                report(done, F($"it {done}  loss {mean:F3}  {done / clock.Elapsed.TotalSeconds:F0} it/s"));
            }, threads.Value));
        console.WriteLine(F($"Trained in {clock.Elapsed.TotalSeconds:F1} s ({iterations.Value / clock.Elapsed.TotalSeconds:F0} it/s)"));

        // Evaluation on held-out tasks: the query set is 100 points of the same sine.
        var table = new Table().AddColumns("K", "0 steps", "1 step", "10 steps");
        foreach (int shots in new[] { 10, 5 })
        {
            var result = learner.Evaluate(new SinusoidTasks<float>(shots, 100), evalTasks.Value, steps: 10, seed: 12345);
            table.AddRow(shots.ToString(CultureInfo.InvariantCulture), result.Loss[0].ToString(), result.Loss[1].ToString(), result.Loss[10].ToString());
        }
        console.WriteLine(F($"Query MSE over {evalTasks.Value} new tasks (mean ± 95% interval):"));
        console.Write(table);

        string checkpoint = Path.Combine(outFolder.Value, "sine-maml.safetensors");
        learner.Save(checkpoint);
        console.WriteLine($"Checkpoint: {checkpoint}");

        // Figure: one held-out task, its K = 10 support points, the meta-learned prediction and the fits after 1 and 10 steps.
        var example = new SinusoidTasks<float>(10, 1);
        var task = example.CreateTaskData();
        example.Sample(new Random(seed.Value + 1), task);
        float amplitude = (float)task.Descriptor[0], phase = (float)task.Descriptor[1];
        var grid = Enumerable.Range(0, 201).Select(i => -5f + i * 0.05f).ToArray();
        (double, double)[] Curve(float[] y) => grid.Select((x, i) => ((double)x, (double)y[i])).ToArray();
        var truth = grid.Select(x => SinusoidTasks<float>.Evaluate(amplitude, phase, x)).ToArray();
        var before = learner.Adapt(task.SupportInputs, task.SupportTargets, steps: 0).Predict(grid);
        var oneStep = learner.Adapt(task.SupportInputs, task.SupportTargets, steps: 1).Predict(grid);
        var tenSteps = learner.Adapt(task.SupportInputs, task.SupportTargets, steps: 10).Predict(grid);
        var figure = new Figure();
        figure.Panel("MAML, K = 10", "x", "y",
        [
            new("ground truth", "#222222", Curve(truth)),
            new("pre-update", "#1f77b4", Curve(before), Dashed: true),
            new("1 grad step", "#2ca02c", Curve(oneStep)),
            new("10 grad steps", "#d62728", Curve(tenSteps)),
            new("support points", "#ff7f0e", task.SupportInputs.Select((x, i) => ((double)x, (double)task.SupportTargets[i])).ToArray(), Markers: true),
        ]);
        figure.Panel("Learning curve: meta-loss", "meta-iteration", "query MSE after 1 step", [new("meta-loss", "#1f77b4", curve)], logY: true);
        string svg = Path.Combine(outFolder.Value, "sinusoid.svg");
        figure.Save(svg);
        console.WriteLine($"Figure: {svg}");
        return 0;
    }
}
