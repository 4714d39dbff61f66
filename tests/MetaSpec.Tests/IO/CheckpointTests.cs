using System.Buffers.Binary;
using System.Collections;
using System.Text;
using System.Text.Json;
using MetaSpec.IO;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;

namespace MetaSpec.Tests.IO;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("metaspec-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential<float> Net() => new(Shape.Vector(2),
        new("hidden1", new DenseLayer<float>(2, 3)), new("relu", new ReLULayer<float>(Shape.Vector(3))), new("head", new DenseLayer<float>(3, 1)));

    [Fact]
    public void Round_trip_restores_every_parameter_and_step_size()
    {
        var net = Net();
        var problem = new MetaProblem<float>(net, MeanSquaredError<float>.Instance, new InnerLoop { LearnStepSizes = true }, Hypergradient.Unrolled);
        var theta = net.CreateParameters(1);
        var meta = theta.Concat(Enumerable.Range(0, theta.Length).Select(i => 0.01f * i)).ToArray();
        string path = Path.Combine(_dir, "m.safetensors");
        Checkpoint.Save<float>(path, problem.MetaTensors, meta);
        Assert.Equal(meta, Checkpoint.Load<float>(path, problem.MetaTensors));
        Assert.Contains("step sizes", Assert.Throws<InvalidDataException>(() => Checkpoint.Load<float>(path, net.Tensors)).Message);
    }

    [Fact]
    public void File_layout_follows_the_safetensors_specification()
    {
        var net = Net();
        var theta = net.CreateParameters(2);
        string path = Path.Combine(_dir, "layout.safetensors");
        Checkpoint.Save<float>(path, net.Tensors, theta, new Dictionary<string, string> { ["spec"] = "test" });

        // Parse by hand: u64 LE header length, JSON header, data buffer; offsets half-open into the buffer.
        byte[] bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + n) % 8); // data 8-byte aligned
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n).TrimEnd(' '));
        var root = header.RootElement;
        Assert.Equal("test", root.GetProperty("__metadata__").GetProperty("spec").GetString());
        Assert.Equal(Checkpoint.Format, root.GetProperty("__metadata__").GetProperty("format").GetString());
        var w = root.GetProperty("hidden1.weight");
        Assert.Equal("F32", w.GetProperty("dtype").GetString());
        Assert.Equal([3L, 2L], w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        var offsets = root.GetProperty("head.bias").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(bytes.Length - 8 - n, offsets[1]); // last tensor ends the file
        int dataStart = 8 + (int)n;
        float lastBias = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + (int)offsets[0]));
        Assert.Equal(theta[^1], lastBias);
        long firstBegin = w.GetProperty("data_offsets")[0].GetInt64();
        Assert.Equal(theta[0], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + (int)firstBegin)));
    }

    [Fact]
    public void A_failed_save_leaves_the_existing_checkpoint_intact_and_no_temporary_file()
    {
        var net = Net();
        string path = Path.Combine(_dir, "keep.safetensors");
        var good = net.CreateParameters(3);
        Checkpoint.Save<float>(path, net.Tensors, good);
        byte[] before = File.ReadAllBytes(path);

        var tensors = new FailingList(SafeTensors.Load(path).Tensors);
        Assert.Throws<IOException>(() => SafeTensors.Save(path, tensors));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_failed_save_names_the_users_path_not_the_temporary_file()
    {
        var net = Net();
        string path = Path.Combine(_dir, "named.safetensors");
        Checkpoint.Save<float>(path, net.Tensors, net.CreateParameters(3));
        var tensors = new FailingList(SafeTensors.Load(path).Tensors);
        var e = Assert.Throws<IOException>(() => SafeTensors.Save(path, tensors));
        Assert.Contains($"'{path}'", e.Message);
        Assert.Contains("disk full (simulated)", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
    }

    [Fact]
    public void A_file_name_near_the_file_system_limit_saves_although_its_temporary_name_would_be_longer()
    {
        var net = Net();
        string path = Path.Combine(_dir, new string('m', 240) + ".safetensors"); // 252 bytes: valid, but not with .pid.guid.tmp around it
        var theta = net.CreateParameters(3);
        Checkpoint.Save<float>(path, net.Tensors, theta);
        Assert.Equal(theta, Checkpoint.Load<float>(path, net.Tensors));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Malformed_files_are_rejected_with_the_file_and_the_problem_named()
    {
        var net = Net();
        string path = Path.Combine(_dir, "ok.safetensors");
        Checkpoint.Save<float>(path, net.Tensors, net.CreateParameters(4));
        byte[] ok = File.ReadAllBytes(path);

        string Write(string name, byte[] content)
        {
            string p = Path.Combine(_dir, name);
            File.WriteAllBytes(p, content);
            return p;
        }
        void Rejects(string file, string fragment)
        {
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load<float>(file, net.Tensors));
            Assert.Contains(file, e.Message);
            Assert.Contains(fragment, e.Message);
        }

        Rejects(Write("short.safetensors", ok[..5]), "too short");
        Rejects(Write("truncated.safetensors", ok[..^4]), "truncated");
        var huge = (byte[])ok.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, 1UL << 40);
        Rejects(Write("length.safetensors", huge), "header claims");
        var json = (byte[])ok.Clone();
        json[8] = (byte)'[';
        Rejects(Write("json.safetensors", json), "JSON");
        Rejects(Write("dtype.safetensors", Encoding.UTF8.GetBytes(Encoding.Latin1.GetString(ok).Replace("\"F32\"", "\"I32\""))), "dtype I32");

        var other = new Sequential<float>(Shape.Vector(2), new NamedLayer<float>("hidden1", new DenseLayer<float>(2, 4)));
        string otherPath = Path.Combine(_dir, "other.safetensors");
        Checkpoint.Save<float>(otherPath, other.Tensors, other.CreateParameters(1));
        var shape = Assert.Throws<InvalidDataException>(() => Checkpoint.Load<float>(otherPath, net.Tensors));
        Assert.Contains("hidden1.weight", shape.Message);
        Assert.Contains("[4, 2]", shape.Message);
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Load<float>(Path.Combine(_dir, "missing.safetensors"), net.Tensors));
    }

    [Fact]
    public void Double_precision_parameters_round_trip_exactly()
    {
        var net = new Sequential<double>(Shape.Vector(2), new NamedLayer<double>("head", new DenseLayer<double>(2, 2)));
        var theta = net.CreateParameters(5);
        theta[0] = Math.PI;
        string path = Path.Combine(_dir, "f64.safetensors");
        Checkpoint.Save<double>(path, net.Tensors, theta);
        Assert.Equal("F64", SafeTensors.Load(path).Tensors[0].DType);
        Assert.Equal(theta, Checkpoint.Load<double>(path, net.Tensors));
    }

    /// <summary>A tensor list whose second enumeration (the write phase) fails, as a full disk would.</summary>
    private sealed class FailingList(IReadOnlyList<SafeTensor> inner) : IReadOnlyList<SafeTensor>
    {
        private int _enumerations;
        public SafeTensor this[int index] => inner[index];
        public int Count => inner.Count;
        public IEnumerator<SafeTensor> GetEnumerator() =>
            ++_enumerations > 1 ? throw new IOException("disk full (simulated)") : inner.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
