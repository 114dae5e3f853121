namespace Bert.MLNet.Trainers.Linear;

/// <summary>
/// Minimizes a smooth function plus an optional L1 term on some coordinates, with limited-memory BFGS; with L1,
/// the orthant-wise variant (OWL-QN, Andrew and Gao 2007): pseudo-gradients, directions kept in the descent
/// orthant, and line-search points projected onto it.
/// </summary>
internal sealed class Lbfgs(int historySize, double tolerance, int maxIterations)
{
    private const double ArmijoFactor = 1e-4;
    private const int MaxLineSearchSteps = 60;
    private const int ImprovementWindow = 5;

    /// <summary>Evaluates the smooth part at x: returns its value and writes its gradient.</summary>
    public delegate double Objective(double[] x, double[] gradient);

    /// <summary>Iterations the last <see cref="Minimize"/> took.</summary>
    public int Iterations { get; private set; }

    /// <summary>Whether the last <see cref="Minimize"/> met the tolerance (rather than the iteration limit or a stalled line search).</summary>
    public bool Converged { get; private set; }

    /// <summary>Minimizes <c>f(x) + l1 * sum |x_j|</c> over j with <paramref name="penalized"/>[j], starting from <paramref name="x"/> (updated in place).</summary>
    /// <param name="f">The smooth part.</param>
    /// <param name="x">The start, and on return the minimizer.</param>
    /// <param name="l1">The L1 weight (0: plain L-BFGS).</param>
    /// <param name="penalized">Which coordinates the L1 term covers.</param>
    /// <param name="iterationDone">Called after each iteration with its number and the objective.</param>
    /// <param name="cancellation">Checked before each iteration.</param>
    public double Minimize(Objective f, double[] x, double l1, bool[] penalized, Action<int, double>? iterationDone, CancellationToken cancellation)
    {
        var n = x.Length;
        var gradient = new double[n];
        var pseudo = new double[n];
        var direction = new double[n];
        var next = new double[n];
        var nextGradient = new double[n];
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        var value = f(x, gradient) + L1(x, l1, penalized);
        var history = new Queue<double>([value]);
        Iterations = 0;
        Converged = false;

        while (Iterations < maxIterations)
        {
            cancellation.ThrowIfCancellationRequested();
            PseudoGradient(x, gradient, l1, penalized, pseudo);
            if (Norm(pseudo) <= 1e-12 * Math.Max(1, Norm(x)))
            {
                Converged = true;
                break;
            }

            TwoLoop(pseudo, s, y, rho, direction);
            if (l1 > 0)
            {
                for (var j = 0; j < n; j++)
                {
                    if (direction[j] * pseudo[j] >= 0)
                    {
                        direction[j] = 0;
                    }
                }
            }

            var slope = Dot(direction, pseudo);
            if (slope >= 0)
            {
                // The curvature history no longer gives a descent direction: start over from steepest descent.
                s.Clear();
                y.Clear();
                rho.Clear();
                for (var j = 0; j < n; j++)
                {
                    direction[j] = -pseudo[j];
                }
            }

            var step = s.Count == 0 ? 1 / Math.Max(Norm(direction), 1e-12) : 1.0;
            var nextValue = double.NaN;
            var accepted = false;
            for (var attempt = 0; attempt < MaxLineSearchSteps; attempt++)
            {
                for (var j = 0; j < n; j++)
                {
                    next[j] = x[j] + (step * direction[j]);
                    if (l1 > 0 && penalized[j])
                    {
                        // Stay in the orthant of x (or, at zero, the one the pseudo-gradient points away from).
                        var orthant = x[j] != 0 ? Math.Sign(x[j]) : -Math.Sign(pseudo[j]);
                        if (Math.Sign(next[j]) != orthant)
                        {
                            next[j] = 0;
                        }
                    }
                }

                nextValue = f(next, nextGradient) + L1(next, l1, penalized);
                double decrease = 0;
                for (var j = 0; j < n; j++)
                {
                    decrease += pseudo[j] * (next[j] - x[j]);
                }

                if (double.IsFinite(nextValue) && nextValue <= value + (ArmijoFactor * decrease))
                {
                    accepted = true;
                    break;
                }

                step *= 0.5;
            }

            Iterations++;
            if (!accepted)
            {
                // No step lowers the objective any more: x is as good as floating point allows.
                Converged = true;
                break;
            }

            var sk = new double[n];
            var yk = new double[n];
            for (var j = 0; j < n; j++)
            {
                sk[j] = next[j] - x[j];
                yk[j] = nextGradient[j] - gradient[j];
            }

            var sy = Dot(sk, yk);
            if (sy > 1e-10)
            {
                if (s.Count == historySize)
                {
                    s.RemoveAt(0);
                    y.RemoveAt(0);
                    rho.RemoveAt(0);
                }

                s.Add(sk);
                y.Add(yk);
                rho.Add(1 / sy);
            }

            Array.Copy(next, x, n);
            Array.Copy(nextGradient, gradient, n);
            value = nextValue;
            iterationDone?.Invoke(Iterations, value);
            history.Enqueue(value);
            if (history.Count > ImprovementWindow + 1)
            {
                history.Dequeue();
            }

            if (history.Count == ImprovementWindow + 1)
            {
                var improvement = (history.Peek() - value) / ImprovementWindow / Math.Max(Math.Abs(value), 1e-12);
                if (improvement < tolerance)
                {
                    Converged = true;
                    break;
                }
            }
        }

        return value;
    }

    private static double L1(double[] x, double l1, bool[] penalized)
    {
        if (l1 == 0)
        {
            return 0;
        }

        double sum = 0;
        for (var j = 0; j < x.Length; j++)
        {
            if (penalized[j])
            {
                sum += Math.Abs(x[j]);
            }
        }

        return l1 * sum;
    }

    private static void PseudoGradient(double[] x, double[] gradient, double l1, bool[] penalized, double[] pseudo)
    {
        for (var j = 0; j < x.Length; j++)
        {
            var g = gradient[j];
            if (l1 == 0 || !penalized[j])
            {
                pseudo[j] = g;
            }
            else if (x[j] > 0)
            {
                pseudo[j] = g + l1;
            }
            else if (x[j] < 0)
            {
                pseudo[j] = g - l1;
            }
            else
            {
                pseudo[j] = g + l1 < 0 ? g + l1 : g - l1 > 0 ? g - l1 : 0;
            }
        }
    }

    private static void TwoLoop(double[] gradient, List<double[]> s, List<double[]> y, List<double> rho, double[] direction)
    {
        var n = gradient.Length;
        for (var j = 0; j < n; j++)
        {
            direction[j] = -gradient[j];
        }

        var alpha = new double[s.Count];
        for (var i = s.Count - 1; i >= 0; i--)
        {
            alpha[i] = rho[i] * Dot(s[i], direction);
            Axpy(-alpha[i], y[i], direction);
        }

        if (s.Count > 0)
        {
            var last = s.Count - 1;
            var scale = Dot(s[last], y[last]) / Dot(y[last], y[last]);
            for (var j = 0; j < n; j++)
            {
                direction[j] *= scale;
            }
        }

        for (var i = 0; i < s.Count; i++)
        {
            var beta = rho[i] * Dot(y[i], direction);
            Axpy(alpha[i] - beta, s[i], direction);
        }
    }

    private static double Dot(double[] a, double[] b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (var j = 0; j < y.Length; j++)
        {
            y[j] += a * x[j];
        }
    }
}
