using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Bert.MLNet.Benchmarks;

/// <summary>A column of work done per second (tokens/s, sentences/s), from the mean time of one operation.</summary>
internal sealed class ThroughputColumn(string name, Func<BenchmarkCase, double> unitsPerOperation) : IColumn
{
    public string Id => nameof(ThroughputColumn) + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"{name}: units of work per second of one operation's mean time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats)
        {
            return "n/a";
        }

        var perSecond = unitsPerOperation(benchmarkCase) / (stats.Mean / 1e9);
        return perSecond >= 1e6 ? $"{perSecond / 1e6:F2} M" : perSecond >= 1e3 ? $"{perSecond / 1e3:F1} k" : $"{perSecond:F1}";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
