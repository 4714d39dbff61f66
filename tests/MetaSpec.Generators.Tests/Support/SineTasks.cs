using MetaSpec.Tasks;

namespace MetaSpec.Generators.Tests.Support;

/// <summary>
/// Sinusoid regression (Finn et al. 2017): y = A·sin(x − φ), A ∈ [0.1, 5], φ ∈ [0, π], x ∈ [−5, 5].
/// Stateless: every draw comes from the random stream it is given, so two instances give equal tasks.
/// </summary>
internal sealed class SineTasks(int shots) : ITaskDistribution<float>
{
    public Shape InputShape => Shape.Vector(1);
    public int TargetSize => 1;
    public int SupportCount => shots;
    public int QueryCount => shots;
    public int DescriptorLength => 2;

    public void Sample(Random random, TaskData<float> task)
    {
        task.Descriptor[0] = 0.1 + 4.9 * random.NextDouble();
        task.Descriptor[1] = Math.PI * random.NextDouble();
        Fill(random, task, task.SupportInputs, task.SupportTargets);
        Fill(random, task, task.QueryInputs, task.QueryTargets);
    }

    public void ResampleSupport(Random random, TaskData<float> task) => Fill(random, task, task.SupportInputs, task.SupportTargets);

    private static void Fill(Random random, TaskData<float> task, float[] inputs, float[] targets)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            double x = -5 + 10 * random.NextDouble();
            inputs[i] = (float)x;
            targets[i] = (float)(task.Descriptor[0] * Math.Sin(x - task.Descriptor[1]));
        }
    }
}

/// <summary>Points in 4 dimensions around 3 random class centres per task; targets are class indices.</summary>
internal sealed class PointTasks(int shotsPerClass) : ITaskDistribution<float>
{
    private const int Classes = 3, Features = 4;

    public Shape InputShape => Shape.Vector(Features);
    public int TargetSize => 1;
    public int SupportCount => Classes * shotsPerClass;
    public int QueryCount => Classes * shotsPerClass;
    public int DescriptorLength => Classes * Features;

    public void Sample(Random random, TaskData<float> task)
    {
        for (int i = 0; i < task.Descriptor.Length; i++) task.Descriptor[i] = 4 * random.NextDouble() - 2;
        Fill(random, task, task.SupportInputs, task.SupportTargets);
        Fill(random, task, task.QueryInputs, task.QueryTargets);
    }

    public void ResampleSupport(Random random, TaskData<float> task) => Fill(random, task, task.SupportInputs, task.SupportTargets);

    private static void Fill(Random random, TaskData<float> task, float[] inputs, float[] targets)
    {
        for (int s = 0; s < targets.Length; s++)
        {
            int label = s % Classes;
            targets[s] = label;
            for (int f = 0; f < Features; f++)
                inputs[s * Features + f] = (float)(task.Descriptor[label * Features + f] + 0.5 * (random.NextDouble() - 0.5));
        }
    }
}

/// <summary>3-way classification of 2×6×6 images: each class is a random template plus noise.</summary>
internal sealed class ImageTasks(int shotsPerClass) : ITaskDistribution<float>
{
    private const int Classes = 3, Size = 2 * 6 * 6;

    public Shape InputShape => Shape.Image(2, 6, 6);
    public int TargetSize => 1;
    public int SupportCount => Classes * shotsPerClass;
    public int QueryCount => Classes * shotsPerClass;
    public int DescriptorLength => Classes * Size;

    public void Sample(Random random, TaskData<float> task)
    {
        for (int i = 0; i < task.Descriptor.Length; i++) task.Descriptor[i] = random.NextDouble();
        Fill(random, task, task.SupportInputs, task.SupportTargets);
        Fill(random, task, task.QueryInputs, task.QueryTargets);
    }

    public void ResampleSupport(Random random, TaskData<float> task) => Fill(random, task, task.SupportInputs, task.SupportTargets);

    private static void Fill(Random random, TaskData<float> task, float[] inputs, float[] targets)
    {
        for (int s = 0; s < targets.Length; s++)
        {
            int label = s % Classes;
            targets[s] = label;
            for (int f = 0; f < Size; f++)
                inputs[s * Size + f] = (float)(task.Descriptor[label * Size + f] + 0.3 * (random.NextDouble() - 0.5));
        }
    }
}
