using MetaSpec.Tasks;
using MetaSpec.Theory;

namespace MetaSpec.Tests.Tasks;

public class LinearRegressionTasksTests
{
    [Fact]
    public void Polynomial_features_are_powers_of_x_and_targets_are_exactly_phi_times_a()
    {
        var tasks = new LinearRegressionTasks<double>(FeatureBasis.Polynomial, features: 4, supportShots: 6, queryShots: 5, inputLow: -2, inputHigh: 3);
        Assert.Equal(Shape.Vector(4), tasks.InputShape);
        var task = tasks.CreateTaskData();
        var random = new Random(5);
        for (int t = 0; t < 50; t++)
        {
            tasks.Sample(random, task);
            CheckExact(task.SupportInputs, task.SupportTargets, task.Descriptor, 4);
            CheckExact(task.QueryInputs, task.QueryTargets, task.Descriptor, 4);
            for (int i = 0; i < 6; i++)
            {
                ReadOnlySpan<double> phi = task.SupportInputs.AsSpan(4 * i, 4);
                double x = phi[1];
                Assert.InRange(x, -2, 3);
                Assert.Equal(1.0, phi[0]);
                Assert.Equal(x * x, phi[2], 12);
                Assert.Equal(x * x * x, phi[3], 12);
            }
        }
    }

    /// <summary>y must equal Σ_j Φ_j a_j accumulated in feature order: the tests of the closed forms rely on exact targets.</summary>
    private static void CheckExact(double[] inputs, double[] targets, double[] a, int d)
    {
        for (int i = 0; i < targets.Length; i++)
        {
            double y = 0;
            for (int j = 0; j < d; j++) y += inputs[i * d + j] * a[j];
            Assert.Equal(y, targets[i]);
        }
    }

    [Fact]
    public void Rbf_features_are_gaussians_centred_evenly_over_the_interval()
    {
        var tasks = new LinearRegressionTasks<double>(FeatureBasis.GaussianRbf, features: 5, supportShots: 3, queryShots: 3, inputLow: 0, inputHigh: 4, rbfWidth: 0.7);
        Assert.Equal([0.0, 1, 2, 3, 4], tasks.RbfCentres.ToArray());
        Assert.Equal(0.7, tasks.RbfWidth);
        var phi = new double[5];
        tasks.ComputeFeatures(1.5, phi);
        for (int j = 0; j < 5; j++) Assert.Equal(Math.Exp(-(1.5 - j) * (1.5 - j) / (2 * 0.49)), phi[j], 14);
        tasks.ComputeFeatures(2, phi);
        Assert.Equal(1.0, phi[2]);

        var task = tasks.CreateTaskData();
        tasks.Sample(new Random(6), task);
        CheckExact(task.SupportInputs, task.SupportTargets, task.Descriptor, 5);
        tasks.ComputeFeatures(0.3, phi);
        double expected = 0;
        for (int j = 0; j < 5; j++) expected += phi[j] * task.Descriptor[j];
        Assert.Equal(expected, tasks.Evaluate(task.Descriptor, 0.3));

        // Without a width, it is the spacing of the centres.
        Assert.Equal(1.0, new LinearRegressionTasks<double>(FeatureBasis.GaussianRbf, 5, 3, 3, inputLow: 0, inputHigh: 4).RbfWidth);
    }

    [Fact]
    public void Float_targets_are_the_rounded_exact_dot_product()
    {
        var tasks = new LinearRegressionTasks<float>(FeatureBasis.Polynomial, features: 3, supportShots: 8, queryShots: 8);
        var task = tasks.CreateTaskData();
        tasks.Sample(new Random(7), task);
        for (int i = 0; i < 8; i++)
        {
            double y = 0;
            for (int j = 0; j < 3; j++) y += (double)task.SupportInputs[3 * i + j] * task.Descriptor[j];
            Assert.Equal((float)y, task.SupportTargets[i]);
        }
        Assert.All(task.Descriptor, a => Assert.Equal((double)(float)a, a));
    }

    [Fact]
    public void Coefficients_follow_the_prior_and_noise_has_the_given_deviation()
    {
        double[] mean = [1, -2];
        var tasks = new LinearRegressionTasks<double>(FeatureBasis.Polynomial, features: 2, supportShots: 20, queryShots: 20,
            noiseStandardDeviation: 0.3, coefficientMean: mean, coefficientScale: 0.5);
        var task = tasks.CreateTaskData();
        var random = new Random(8);
        const int taskCount = 4000;
        double[] sum = new double[2], sumSquares = new double[2];
        double residualSquares = 0;
        int residuals = 0;
        for (int t = 0; t < taskCount; t++)
        {
            tasks.Sample(random, task);
            for (int j = 0; j < 2; j++)
            {
                sum[j] += task.Descriptor[j];
                sumSquares[j] += task.Descriptor[j] * task.Descriptor[j];
            }
            for (int i = 0; i < 20; i++)
            {
                double r = task.SupportTargets[i] - tasks.Evaluate(task.Descriptor, task.SupportInputs[2 * i + 1]);
                residualSquares += r * r;
                residuals++;
            }
        }
        for (int j = 0; j < 2; j++)
        {
            double m = sum[j] / taskCount, s = Math.Sqrt(sumSquares[j] / taskCount - m * m);
            Assert.InRange(m, mean[j] - 0.05, mean[j] + 0.05); // standard error 0.5/√4000 ≈ 0.008
            Assert.InRange(s, 0.47, 0.53);
        }
        Assert.InRange(Math.Sqrt(residualSquares / residuals), 0.29, 0.31);
    }

    [Fact]
    public void ResampleSupport_keeps_the_coefficients_and_draws_new_inputs()
    {
        var tasks = new LinearRegressionTasks<double>(FeatureBasis.GaussianRbf, features: 6, supportShots: 5, queryShots: 4);
        var task = tasks.CreateTaskData();
        var random = new Random(9);
        tasks.Sample(random, task);
        double[] a = [.. task.Descriptor], query = [.. task.QueryInputs], oldSupport = [.. task.SupportInputs];
        tasks.ResampleSupport(random, task);
        Assert.Equal(a, task.Descriptor);
        Assert.Equal(query, task.QueryInputs);
        Assert.NotEqual(oldSupport, task.SupportInputs);
        CheckExact(task.SupportInputs, task.SupportTargets, a, 6);
    }

    [Fact]
    public void A_seed_reproduces_tasks_and_sampling_allocates_nothing()
    {
        var tasks = new LinearRegressionTasks<float>(FeatureBasis.GaussianRbf, features: 8, supportShots: 10, queryShots: 10, noiseStandardDeviation: 0.1);
        var first = tasks.CreateTaskData();
        var second = tasks.CreateTaskData();
        tasks.Sample(new Random(10), first);
        tasks.Sample(new Random(10), second);
        Assert.Equal(first.Descriptor, second.Descriptor);
        Assert.Equal(first.SupportInputs, second.SupportInputs);
        Assert.Equal(first.QueryTargets, second.QueryTargets);

        var random = new Random(11);
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (int t = 0; t < 100; t++)
            {
                tasks.Sample(random, first);
                tasks.ResampleSupport(random, first);
            }
        }));
    }

    [Fact]
    public void Inconsistent_settings_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LinearRegressionTasks<double>(FeatureBasis.Polynomial, 3, 5, 5, rbfWidth: 1));
        Assert.Throws<ArgumentException>(() => new LinearRegressionTasks<double>(FeatureBasis.Polynomial, 3, 5, 5, inputLow: 1, inputHigh: 1));
        Assert.Throws<ArgumentException>(() => new LinearRegressionTasks<double>(FeatureBasis.Polynomial, 3, 5, 5, coefficientMean: [1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearRegressionTasks<double>(FeatureBasis.GaussianRbf, 3, 5, 5, rbfWidth: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearRegressionTasks<double>(FeatureBasis.Polynomial, 3, 5, 5, noiseStandardDeviation: -1));
    }
}
