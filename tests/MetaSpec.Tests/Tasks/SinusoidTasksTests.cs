using MetaSpec.Tasks;

namespace MetaSpec.Tests.Tasks;

public class SinusoidTasksTests
{
    [Fact]
    public void Parameters_and_inputs_follow_the_paper_ranges()
    {
        var tasks = new SinusoidTasks<double>(supportShots: 5, queryShots: 7);
        var task = tasks.CreateTaskData();
        var random = new Random(1);
        double minA = double.MaxValue, maxA = double.MinValue, minPhase = double.MaxValue, maxPhase = double.MinValue;
        double minX = double.MaxValue, maxX = double.MinValue;
        for (int t = 0; t < 3000; t++)
        {
            tasks.Sample(random, task);
            double a = task.Descriptor[0], phase = task.Descriptor[1];
            (minA, maxA) = (Math.Min(minA, a), Math.Max(maxA, a));
            (minPhase, maxPhase) = (Math.Min(minPhase, phase), Math.Max(maxPhase, phase));
            foreach (double x in task.SupportInputs.Concat(task.QueryInputs)) (minX, maxX) = (Math.Min(minX, x), Math.Max(maxX, x));
        }
        Assert.InRange(minA, 0.1, 0.2);
        Assert.InRange(maxA, 4.9, 5.0);
        Assert.InRange(minPhase, 0, 0.05);
        Assert.InRange(maxPhase, Math.PI - 0.05, Math.PI);
        Assert.InRange(minX, -5, -4.99);
        Assert.InRange(maxX, 4.99, 5);
    }

    [Fact]
    public void Shapes_follow_the_constructor()
    {
        var tasks = new SinusoidTasks<float>(supportShots: 10, queryShots: 3);
        Assert.Equal(Shape.Vector(1), tasks.InputShape);
        Assert.Equal((1, 10, 3, 2), (tasks.TargetSize, tasks.SupportCount, tasks.QueryCount, tasks.DescriptorLength));
        var task = tasks.CreateTaskData();
        Assert.Equal((10, 10, 3, 3, 2), (task.SupportInputs.Length, task.SupportTargets.Length, task.QueryInputs.Length, task.QueryTargets.Length, task.Descriptor.Length));
        Assert.Equal(10, new SinusoidTasks<float>(10).QueryCount);
    }

    [Fact]
    public void Targets_are_exactly_the_described_sinusoid_in_double() => CheckTargets<double>(tolerance: 1e-15);

    [Fact]
    public void Targets_are_exactly_the_described_sinusoid_in_float() => CheckTargets<float>(tolerance: 3e-6);

    private static void CheckTargets<T>(double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var tasks = new SinusoidTasks<T>(10);
        var task = tasks.CreateTaskData();
        var random = new Random(2);
        for (int t = 0; t < 200; t++)
        {
            tasks.Sample(random, task);
            T amplitude = T.CreateTruncating(task.Descriptor[0]), phase = T.CreateTruncating(task.Descriptor[1]);
            // The descriptor holds the exact values used, so the library's own formula reproduces every target bit for bit...
            Assert.Equal(double.CreateTruncating(amplitude), task.Descriptor[0]);
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(SinusoidTasks<T>.Evaluate(amplitude, phase, task.SupportInputs[i]), task.SupportTargets[i]);
                Assert.Equal(SinusoidTasks<T>.Evaluate(amplitude, phase, task.QueryInputs[i]), task.QueryTargets[i]);
            }
            // ...and that formula is A·sin(x − φ), checked in double independently.
            for (int i = 0; i < 10; i++)
            {
                double x = double.CreateTruncating(task.SupportInputs[i]);
                double expected = task.Descriptor[0] * Math.Sin(x - task.Descriptor[1]);
                Assert.True(Math.Abs(expected - double.CreateTruncating(task.SupportTargets[i])) <= tolerance * 5,
                    $"y = {task.SupportTargets[i]}, A sin(x − φ) = {expected}");
            }
        }
    }

    [Fact]
    public void Evaluate_over_a_span_plots_the_true_function()
    {
        double[] descriptor = [2.0, 0.5];
        double[] x = [-1, 0, 0.5, 3];
        var y = new double[4];
        SinusoidTasks<double>.Evaluate(descriptor, x, y);
        for (int i = 0; i < x.Length; i++) Assert.Equal(2.0 * Math.Sin(x[i] - 0.5), y[i], 15);
        Assert.Throws<ArgumentException>(() => SinusoidTasks<double>.Evaluate(descriptor, x, new double[3]));
    }

    [Fact]
    public void A_seed_reproduces_tasks_bit_for_bit()
    {
        var tasks = new SinusoidTasks<float>(5);
        var first = tasks.CreateTaskData();
        var second = tasks.CreateTaskData();
        var a = new Random(42);
        var b = new Random(42);
        for (int t = 0; t < 10; t++)
        {
            tasks.Sample(a, first);
            tasks.Sample(b, second);
            Assert.Equal(first.Descriptor, second.Descriptor);
            Assert.Equal(first.SupportInputs, second.SupportInputs);
            Assert.Equal(first.QueryTargets, second.QueryTargets);
        }
        tasks.Sample(new Random(43), second);
        Assert.NotEqual(first.Descriptor, second.Descriptor);
    }

    [Fact]
    public void ResampleSupport_keeps_the_function_and_draws_new_inputs()
    {
        var tasks = new SinusoidTasks<double>(10);
        var task = tasks.CreateTaskData();
        var random = new Random(3);
        tasks.Sample(random, task);
        double[] descriptor = [.. task.Descriptor];
        double[] oldSupport = [.. task.SupportInputs];
        double[] query = [.. task.QueryInputs], queryTargets = [.. task.QueryTargets];

        tasks.ResampleSupport(random, task);

        Assert.Equal(descriptor, task.Descriptor);
        Assert.Equal(query, task.QueryInputs);
        Assert.Equal(queryTargets, task.QueryTargets);
        Assert.Empty(oldSupport.Intersect(task.SupportInputs));
        for (int i = 0; i < 10; i++)
            Assert.Equal(SinusoidTasks<double>.Evaluate(descriptor[0], descriptor[1], task.SupportInputs[i]), task.SupportTargets[i]);
    }

    [Fact]
    public void Sampling_allocates_nothing()
    {
        var tasks = new SinusoidTasks<float>(10);
        var task = tasks.CreateTaskData();
        var random = new Random(4);
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (int t = 0; t < 100; t++)
            {
                tasks.Sample(random, task);
                tasks.ResampleSupport(random, task);
            }
        }));
    }

    [Fact]
    public void Storage_of_another_shape_is_rejected()
    {
        var tasks = new SinusoidTasks<double>(10);
        var wrong = new SinusoidTasks<double>(5).CreateTaskData();
        var e = Assert.Throws<ArgumentException>(() => tasks.Sample(new Random(1), wrong));
        Assert.Contains("CreateTaskData", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SinusoidTasks<double>(0, 5));
    }
}
