using MetaSpec.Datasets;

namespace MetaSpec.Tests.Data;

public class LabeledImagesTests
{
    private static readonly float[] NineImage = [1, 2, 3, 4, 5, 6, 7, 8, 9];

    [Fact]
    public void Images_are_grouped_by_class_in_storage_order()
    {
        // Pixel value = image index; labels interleaved.
        int[] labels = [1, 0, 1, 2, 0, 1];
        float[] pixels = [0, 1, 2, 3, 4, 5];
        var images = new LabeledImages(pixels, 1, 1, labels, classCount: 4);
        Assert.Equal((4, 4, 6), (images.ClassCount, images.BaseClassCount, images.StoredImageCount));
        Assert.Equal([2, 3, 1, 0], Enumerable.Range(0, 4).Select(images.ImageCountOf));
        Assert.Equal(0, images.MinImagesPerClass());
        Assert.Equal([0f, 2, 5], Enumerable.Range(0, 3).Select(k => Copy<float>(images, 1, k)[0]));
        Assert.Equal([1f, 4], Enumerable.Range(0, 2).Select(k => Copy<float>(images, 0, k)[0]));
    }

    [Fact]
    public void Byte_pixels_map_to_the_unit_interval()
    {
        var images = new LabeledImages(new byte[] { 0, 51, 255, 128 }, 2, 2, [0], 1);
        Assert.True(images.StoresBytes);
        Assert.Equal([0.0, 0.2, 1.0, 128 / 255.0], Copy<double>(images, 0, 0));
        Assert.Equal([0f, 0.2f, 1f, 128 / 255f], Copy<float>(images, 0, 0));
    }

    [Theory]
    [InlineData(0, new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 })]
    [InlineData(1, new float[] { 3, 6, 9, 2, 5, 8, 1, 4, 7 })]   // numpy.rot90(a, 1)
    [InlineData(2, new float[] { 9, 8, 7, 6, 5, 4, 3, 2, 1 })]   // numpy.rot90(a, 2)
    [InlineData(3, new float[] { 7, 4, 1, 8, 5, 2, 9, 6, 3 })]   // numpy.rot90(a, 3)
    public void Rotated_classes_rotate_counter_clockwise_like_numpy(int turns, float[] expected)
    {
        var floats = new LabeledImages(NineImage, 3, 3, [0], 1).WithRotatedClasses();
        var bytes = new LabeledImages(NineImage.Select(v => (byte)v).ToArray(), 3, 3, [0], 1).WithRotatedClasses();
        Assert.Equal(4, floats.ClassCount);
        Assert.Equal((0, turns), (floats.BaseClassOf(turns), floats.QuarterTurnsOf(turns)));
        Assert.Equal(expected, Copy<float>(floats, turns, 0));
        Assert.Equal(expected.Select(v => v / 255f), Copy<float>(bytes, turns, 0));
    }

    [Fact]
    public void Selecting_classes_renumbers_them_and_keeps_rotation()
    {
        float[] pixels = [10, 11, 12, 13, 14, 15];
        var images = new LabeledImages(pixels, 1, 1, [0, 1, 2, 2, 1, 0], 3).WithRotatedClasses();
        var selected = images.SelectClasses([2, 0]);
        Assert.Equal((2, 8), (selected.BaseClassCount, selected.ClassCount));
        Assert.Equal([12f, 13], Enumerable.Range(0, 2).Select(k => Copy<float>(selected, 0, k)[0]));
        Assert.Equal([10f, 15], Enumerable.Range(0, 2).Select(k => Copy<float>(selected, 1, k)[0]));
        Assert.Throws<ArgumentException>(() => images.SelectClasses([1, 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => images.SelectClasses([3]));
    }

    [Fact]
    public void Inconsistent_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LabeledImages(new float[5], 2, 2, [0], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LabeledImages(new float[4], 2, 2, [1], 1));
        Assert.Throws<InvalidOperationException>(() => new LabeledImages(new float[6], 2, 3, [0], 1).WithRotatedClasses());
        var images = new LabeledImages(new float[4], 2, 2, [0], 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => images.CopyImage(0, 1, new float[4].AsSpan()));
        Assert.Throws<ArgumentOutOfRangeException>(() => images.CopyImage(1, 0, new float[4].AsSpan()));
        Assert.Throws<ArgumentException>(() => images.CopyImage(0, 0, new float[3].AsSpan()));
    }

    private static T[] Copy<T>(LabeledImages images, int classId, int index) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var result = new T[images.ImageSize];
        images.CopyImage(classId, index, result.AsSpan());
        return result;
    }
}
