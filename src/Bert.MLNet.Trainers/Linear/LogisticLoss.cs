namespace Bert.MLNet.Trainers.Linear;

/// <summary>
/// The smooth part of the logistic-regression objective: summed log-loss plus <c>l2/2 * |w|^2</c> over weights.
/// Parameters are laid out per slot (one slot for binary, one per class for multinomial) as the weights then the bias.
/// Rows are summed in fixed blocks in a fixed order, so results do not depend on thread timing.
/// </summary>
internal sealed class LogisticLoss
{
    private const int BlockRows = 2048;

    private readonly float[] features;
    private readonly int[] labels;
    private readonly int rows;
    private readonly int columns;
    private readonly int slots;
    private readonly double l2;
    private readonly int threads;

    public LogisticLoss(float[] features, int[] labels, int columns, int slots, double l2, int threads)
    {
        this.features = features;
        this.labels = labels;
        this.columns = columns;
        this.slots = slots;
        this.l2 = l2;
        this.threads = threads;
        rows = labels.Length;
    }

    /// <summary>Parameters in all: (features + bias) per slot.</summary>
    public int ParameterCount => slots * (columns + 1);

    /// <summary>Which parameters the penalties apply to (weights, not biases).</summary>
    public bool[] Penalized()
    {
        var penalized = new bool[ParameterCount];
        for (var k = 0; k < slots; k++)
        {
            Array.Fill(penalized, true, k * (columns + 1), columns);
        }

        return penalized;
    }

    public double Evaluate(double[] parameters, double[] gradient)
    {
        var blocks = RowBlocks.Count(rows, BlockRows);
        var losses = new double[blocks];
        var gradients = new double[blocks][];
        RowBlocks.For(rows, BlockRows, threads, (start, end) =>
        {
            var local = new double[parameters.Length];
            var scores = new double[slots];
            double loss = 0;
            for (var r = start; r < end; r++)
            {
                var x = features.AsSpan(r * columns, columns);
                for (var k = 0; k < slots; k++)
                {
                    var offset = k * (columns + 1);
                    var z = parameters[offset + columns];
                    for (var j = 0; j < columns; j++)
                    {
                        z += parameters[offset + j] * x[j];
                    }

                    scores[k] = z;
                }

                if (slots == 1)
                {
                    var z = scores[0];
                    var y = labels[r];

                    // log(1 + e^z) - y z, computed without overflow.
                    loss += (z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z))) - (y * z);
                    scores[0] = (1 / (1 + Math.Exp(-z))) - y;
                }
                else
                {
                    var max = scores.Max();
                    double sum = 0;
                    for (var k = 0; k < slots; k++)
                    {
                        sum += Math.Exp(scores[k] - max);
                    }

                    var logSum = max + Math.Log(sum);
                    loss += logSum - scores[labels[r]];
                    for (var k = 0; k < slots; k++)
                    {
                        scores[k] = Math.Exp(scores[k] - logSum) - (labels[r] == k ? 1 : 0);
                    }
                }

                for (var k = 0; k < slots; k++)
                {
                    var residual = scores[k];
                    var offset = k * (columns + 1);
                    for (var j = 0; j < columns; j++)
                    {
                        local[offset + j] += residual * x[j];
                    }

                    local[offset + columns] += residual;
                }
            }

            losses[start / BlockRows] = loss;
            gradients[start / BlockRows] = local;
        });

        Array.Clear(gradient);
        double total = 0;
        for (var b = 0; b < blocks; b++)
        {
            total += losses[b];
            System.Numerics.Tensors.TensorPrimitives.Add(gradient, gradients[b], gradient);
        }

        for (var k = 0; k < slots; k++)
        {
            var offset = k * (columns + 1);
            for (var j = 0; j < columns; j++)
            {
                var w = parameters[offset + j];
                total += 0.5 * l2 * w * w;
                gradient[offset + j] += l2 * w;
            }
        }

        return total;
    }
}
