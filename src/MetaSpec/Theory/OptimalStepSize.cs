using System.Numerics;
using MetaSpec.Tasks;

namespace MetaSpec.Theory;

/// <summary>Step sizes recommended by theory for problems where it has a closed form.</summary>
public static class OptimalStepSize
{
    /// <summary>
    /// α*_lim(K) = K·tr(E[(ΦᵀΦ)²]) / (2·tr(E[(ΦᵀΦ)³])) for one-step MAML on mixed linear regression with
    /// loss (1/K)‖Φw − y‖², task weights of identity covariance and the meta-initialisation at their mean:
    /// it minimises E tr((I − cS)S(I − cS)) over c = 2α/K with S = ΦᵀΦ. Estimates the moments from the
    /// support features of <paramref name="sampleTasks"/> tasks (the inputs are the features Φ).
    /// </summary>
    public static double ForLinearRegression<T>(ITaskDistribution<T> tasks, int sampleTasks, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (sampleTasks < 1) throw new ArgumentOutOfRangeException(nameof(sampleTasks), sampleTasks, "At least one task is needed.");
        int d = tasks.InputShape.Size, k = tasks.SupportCount;
        var task = tasks.CreateTaskData();
        var s = new double[d * d];
        var s2 = new double[d * d];
        double trace2 = 0, trace3 = 0;
        for (int t = 0; t < sampleTasks; t++)
        {
            tasks.Sample(random, task);
            Array.Clear(s);
            for (int n = 0; n < k; n++)
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++)
                        s[i * d + j] += double.CreateTruncating(task.SupportInputs[n * d + i]) * double.CreateTruncating(task.SupportInputs[n * d + j]);
            // tr(S²) = Σ S_ij², tr(S³) = Σ (S²)_ij S_ji
            Array.Clear(s2);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                    for (int p = 0; p < d; p++) s2[i * d + j] += s[i * d + p] * s[p * d + j];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                {
                    trace2 += s[i * d + j] * s[j * d + i];
                    trace3 += s2[i * d + j] * s[j * d + i];
                }
        }
        return k * trace2 / (2 * trace3);
    }
}
