namespace Bert.MLNet.Trainers;

internal static class MetricChecks
{
    public const double ProbabilityFloor = 1e-15;

    public static void SameLength(int truth, int predicted)
    {
        if (truth != predicted)
        {
            throw new ArgumentException($"There are {truth} true values and {predicted} predictions; they must pair up.");
        }

        if (truth == 0)
        {
            throw new ArgumentException("There is nothing to score: no rows.");
        }
    }

    public static double Clip(double probability) => Math.Clamp(probability, ProbabilityFloor, 1 - ProbabilityFloor);
}
