// Sinusoid regression with second-order MAML (Finn et al. 2017, §5.1), written against the runtime API.
// The attribute DSL and generated trainer (issue 4) will replace the hand-written problem below.
using System.Diagnostics;
using System.Globalization;
using MetaSpec;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;

int iterations = 10_000, seed = 7, threads = Environment.ProcessorCount;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--iterations": iterations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--help" or "-h":
            Console.WriteLine("Sinusoid MAML: dotnet run --project specs/Sinusoid -- [--iterations N] [--seed S] [--threads T]");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown option '{args[i]}'. Try --help.");
            return 2;
    }
}

// MLP 1-40-40-1 with ReLU; 1 inner step of α = 0.01 on K = 10 points; Adam 1e-3; 25 tasks per meta-batch.
var net = new Sequential<float>(Shape.Vector(1),
    new("hidden1", new Dense<float>(1, 40)), new("relu1", new ReLU<float>(Shape.Vector(40))),
    new("hidden2", new Dense<float>(40, 40)), new("relu2", new ReLU<float>(Shape.Vector(40))),
    new("head", new Dense<float>(40, 1)));
var problem = MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance,
    new InnerLoop { Steps = 1, StepSize = 0.01 }, Hypergradient.Unrolled);
var tasks = new SinusoidTasks<float>(shots: 10);
var meta = problem.CreateMetaParameters(net.CreateParameters(seed));

Console.WriteLine($"Sinusoid MAML: {net.ParameterCount} parameters, {iterations} meta-iterations, 25 tasks each, {threads} threads");
var clock = Stopwatch.StartNew();
using (var trainer = new MetaTrainer<float>(problem, tasks, new Adam<float>(meta.Length, 1e-3), meta,
    new TrainerOptions { TaskBatch = 25, Threads = threads, Seed = seed }))
{
    double window = 0;
    int interval = Math.Max(1, iterations / 10);
    trainer.Train(iterations, step =>
    {
        window += step.MetaLoss;
        if ((step.Iteration + 1) % interval != 0) return;
        Console.WriteLine(FormattableString.Invariant(
            $"  iteration {step.Iteration + 1,6}  meta-loss {window / interval:F4}  {(step.Iteration + 1) / clock.Elapsed.TotalSeconds:F0} it/s"));
        window = 0;
    });
}
Console.WriteLine(FormattableString.Invariant($"Trained in {clock.Elapsed.TotalSeconds:F1} s"));

foreach (int shots in new[] { 10, 5 })
{
    var held = new SinusoidTasks<float>(shots, 100);
    var result = MetaEvaluator.Evaluate(problem, meta, held, taskCount: 600, seed: 12345, steps: 10);
    Console.WriteLine(FormattableString.Invariant(
        $"K = {shots,2}: query MSE over 600 new tasks  0 steps {result.Loss[0]}   1 step {result.Loss[1]}   10 steps {result.Loss[10]}"));
}
return 0;
