using Bert.MLNet.Trainers;

namespace Bert.MLNet.Trainers.Tests;

/// <summary>Seeded data sets the tests share.</summary>
internal static class TestData
{
    public static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "Goldens", name);

    /// <summary>Gaussian blobs, one per class, centers spaced <paramref name="spread"/> apart on random axes.</summary>
    public static LabeledData Blobs(int rows, int features, int classes, double spread, int seed)
    {
        var random = new Random(seed);
        var centers = Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, features).Select(_ => random.NextDouble() * spread).ToArray()).ToArray();
        var values = new float[rows * features];
        var labels = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            labels[r] = r % classes;
            for (var f = 0; f < features; f++)
            {
                values[(r * features) + f] = (float)(centers[labels[r]][f] + Normal(random));
            }
        }

        return LabeledData.ForClassification(new FeatureMatrix(values, rows, features), labels, classes);
    }

    public static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public static LabeledData ReadCsv(string name, string label)
    {
        var table = DelimitedTable.Read(Golden(name));
        var features = table.Features(table.Columns.Where(c => c != label).ToArray());
        return LabeledData.ForClassification(features, table.Text(label));
    }
}
