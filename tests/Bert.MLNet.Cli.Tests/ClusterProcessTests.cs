using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Testing;

namespace Bert.MLNet.Cli.Tests;

/// <summary>
/// The cluster as users run it: Debian's <c>redis-server</c> on a free loopback port, two <c>bert-mlnet silo</c>
/// processes and <c>bert-mlnet embed --redis</c> clients. One silo is SIGKILLed mid-job and one client is SIGKILLed
/// mid-job and run again; the parts, read by DuckDB, hold every row once, with the numbers one process gives.
/// </summary>
public sealed class ClusterProcessTests : IDisposable
{
    private const string Model = "bert-l4-h128-uncased";
    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-cluster-process-").FullName;
    private readonly List<Process> processes = [];

    public void Dispose()
    {
        foreach (var process in processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }

            process.Dispose();
        }

        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task ASiloAndAClientKilledMidJobLoseNoRowAndDuplicateNone()
    {
        var redisPort = FreePort();
        var redis = $"127.0.0.1:{redisPort}";
        StartRedis(redisPort);
        var silos = new[] { await StartSilo(redis), await StartSilo(redis) };

        var input = Path.Combine(folder, "texts.txt");
        var sentences = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "datasets", "sample-sentences.txt"));
        File.WriteAllLines(input, Enumerable.Range(0, 8_000).Select(i => $"{sentences[i % sentences.Length]} {sentences[(i * 7 + 3) % sentences.Length]} ({i})"));
        var single = Path.Combine(folder, "one-process.parquet");
        var local = Tool(["embed", "--model", Model, "--input", input, "--output", single]);
        var (exit, stderr) = await Ended(local, local.StandardError.ReadToEndAsync());
        Assert.True(exit == 0, $"exit code {exit}: {stderr}");

        // A silo SIGKILLed once a quarter of the parts are written: the one embedding at that moment (placement by
        // activation count works from lagging statistics, and once gave one silo 70 shards and the other 10, so the
        // other may hold none). Its shards are redone by the other.
        var parts = Path.Combine(folder, "parts");
        var client = Tool(["embed", "--redis", redis, "--input", input, "--output", parts, "--shard-rows", "100"]);
        var clientErrors = client.StandardError.ReadToEndAsync();
        await WhenParts(parts, 20, client);
        var victim = await Busiest(silos);
        victim.Kill();
        var survivor = silos.Single(s => s != victim);
        (exit, stderr) = await Ended(client, clientErrors);
        Assert.True(exit == 0, $"exit code {exit}: {stderr}");
        Assert.True(stderr.Contains("redone after their silo was lost", StringComparison.Ordinal), stderr);
        AssertSameRows(single, Path.Combine(parts, "*.parquet"), 8_000);

        // A client SIGKILLed mid-job, then run again: it resumes from the manifest and the parts already there.
        var resumed = Path.Combine(folder, "resumed");
        var first = Tool(["embed", "--redis", redis, "--input", input, "--output", resumed, "--shard-rows", "100"]);
        var firstErrors = first.StandardError.ReadToEndAsync();
        await WhenParts(resumed, 10, first);
        first.Kill();
        await first.WaitForExitAsync();
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(resumed, "_manifest.json"))).RootElement;
        Assert.False(manifest.GetProperty("complete").GetBoolean());

        var again = Tool(["embed", "--redis", redis, "--input", input, "--output", resumed, "--shard-rows", "100"]);
        (exit, stderr) = await Ended(again, again.StandardError.ReadToEndAsync());
        Assert.True(exit == 0, $"exit code {exit}: {stderr}");
        Assert.True(stderr.Contains("done by an earlier run", StringComparison.Ordinal), stderr);
        AssertSameRows(single, Path.Combine(resumed, "*.parquet"), 8_000);
        Assert.Empty(Directory.EnumerateFiles(resumed, ".*"));

        // The silo left is stopped as a service is: SIGTERM, exit 0.
        Assert.Equal(0, Signals.Send(survivor.Id, 15));
        var (siloExit, siloErrors) = await Ended(survivor, survivor.StandardError.ReadToEndAsync());
        Assert.True(siloExit == 0, $"silo exit code {siloExit}: {siloErrors}");
        Assert.Contains("silo stopped", siloErrors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInputChangedMidJobAndASiloDeclaredDeadAreEachSaidInOneLine()
    {
        var redisPort = FreePort();
        var redis = $"127.0.0.1:{redisPort}";
        StartRedis(redisPort);
        var silos = new[] { await StartSilo(redis), await StartSilo(redis) };

        // The same number of lines, other texts: the shards still to send would embed them. The job stops, unfinished.
        var input = Path.Combine(folder, "texts.txt");
        File.WriteAllLines(input, Enumerable.Range(0, 6_000).Select(i => $"sentence number {i} of a corpus that changes"));
        var parts = Path.Combine(folder, "parts");
        var client = Tool(["embed", "--redis", redis, "--input", input, "--output", parts, "--shard-rows", "100"]);
        var clientErrors = client.StandardError.ReadToEndAsync();
        await WhenParts(parts, 3, client);
        File.WriteAllLines(input, Enumerable.Range(0, 6_000).Select(i => $"another sentence {i}, edited while the job ran"));
        var (exit, stderr) = await Ended(client, clientErrors);
        Assert.True(exit == 1, $"exit code {exit}: {stderr}");
        Assert.Contains($"--input '{input}' changed while the job ran", stderr, StringComparison.Ordinal);
        Assert.True(stderr.Trim().Split('\n').Length == 1, "one line: " + stderr);
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(parts, "_manifest.json"))).RootElement;
        Assert.False(manifest.GetProperty("complete").GetBoolean());

        // A silo paused past the failure detector is declared dead by the other; once it runs again it learns so. Orleans would FailFast (SIGABRT, exit 134); the silo says it in one line and exits 1.
        var paused = silos[1];
        var pausedErrors = paused.StandardError.ReadToEndAsync();
        Assert.Equal(0, Signals.Send(paused.Id, 19));
        await WhenASiloIsDead(redis);
        Assert.Equal(0, Signals.Send(paused.Id, 18));
        var (siloExit, siloErrors) = await Ended(paused, pausedErrors);
        Assert.True(siloExit == 1, $"silo exit code {siloExit}: {siloErrors}");
        Assert.Contains("the other silos declared it dead", siloErrors, StringComparison.Ordinal);
        Assert.False(silos[0].HasExited, "the silo that declared the other dead stays");
    }

    [Fact]
    public async Task AClientWithNoClusterBehindItsRedisSaysSo()
    {
        var unused = FreePort();
        var input = Path.Combine(folder, "texts.txt");
        File.WriteAllLines(input, ["one", "two"]);
        var client = Tool(["embed", "--redis", $"127.0.0.1:{unused}", "--input", input, "--output", Path.Combine(folder, "parts")]);
        var (exit, stderr) = await Ended(client, client.StandardError.ReadToEndAsync());
        Assert.Equal(1, exit);
        Assert.Contains($"--redis 127.0.0.1:{unused}", stderr, StringComparison.Ordinal);
        Assert.True(stderr.Trim().Split('\n').Length == 1, "one line, no stack traces: " + stderr);

        // A silo on a port another process holds would get the silo there declared dead: it is refused first.
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var silo = Tool(["silo", "--redis", $"127.0.0.1:{unused}", "--model", Model, "--port", port]);
        (exit, stderr) = await Ended(silo, silo.StandardError.ReadToEndAsync());
        Assert.Equal(1, exit);
        Assert.Equal($"error: --port {port} is in use on this machine (another silo?); give each silo ports of its own.", stderr.Trim());

        // A pipe can be read once; a job reads its input several times, so it is refused before any cluster is asked.
        var fifo = Path.Combine(folder, "texts.fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var piped = Tool(["embed", "--redis", $"127.0.0.1:{unused}", "--input", fifo, "--output", Path.Combine(folder, "from-pipe")]);
        var writer = Task.Run(() =>
        {
            try
            {
                File.WriteAllLines(fifo, ["one", "two"]);
            }
            catch (IOException)
            {
                // The reader closed the pipe: what a refused input does.
            }
        });
        (exit, stderr) = await Ended(piped, piped.StandardError.ReadToEndAsync());
        Assert.Equal(1, exit);
        Assert.StartsWith($"error: --input '{fifo}' is not a regular file", stderr.Trim(), StringComparison.Ordinal);
        await writer.WaitAsync(TimeSpan.FromSeconds(30));

        var malformed = Tool(["embed", "--redis", "nowhere", "--input", input, "--output", "x"]);
        (exit, stderr) = await Ended(malformed, malformed.StandardError.ReadToEndAsync());
        Assert.Equal(1, exit);
        Assert.Equal("error: --redis 'nowhere' must be HOST:PORT, e.g. 127.0.0.1:6379.", stderr.Trim());
    }

    private static void AssertSameRows(string single, string parts, int rows)
    {
        var expected = PartsReader.Read(single);
        var actual = PartsReader.Read(parts);
        Assert.Equal(rows, expected.Count);
        Assert.Equal(rows, actual.Count);
        Assert.Equal(rows, actual.Distinct);
        for (var row = 0; row < rows; row++)
        {
            var (want, got) = (expected.Rows[row], actual.Rows[row]);
            Assert.Equal(row, got.Row);
            Assert.Equal(want.Tokens, got.Tokens);
            Assert.Equal(want.Truncated, got.Truncated);
            Assert.Equal(want.Vector.Length, got.Vector.Length);
            for (var i = 0; i < want.Vector.Length; i++)
            {
                Assert.True(Math.Abs(want.Vector[i] - got.Vector[i]) <= 1e-6f, $"row {row} value {i}: {got.Vector[i]} against one process's {want.Vector[i]}");
            }
        }
    }

    private void StartRedis(int port)
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder })
        {
            start.ArgumentList.Add(arg);
        }

        Process redis;
        try
        {
            redis = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            InstallRedis();
            redis = Process.Start(start)!;
        }

        processes.Add(redis);
        _ = redis.StandardOutput.ReadToEndAsync();
        _ = redis.StandardError.ReadToEndAsync();
        var ready = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (ready.Elapsed < TimeSpan.FromSeconds(20) && !redis.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    // A fresh machine has no redis-server: Debian's package, as .ci/run installs it (root and apt-get needed).
    private static void InstallRedis()
    {
        foreach (var args in new[] { "update -qq", "install -y -qq --no-install-recommends redis-server" })
        {
            var start = new ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            try
            {
                using var apt = Process.Start(start)!;
                var output = apt.StandardOutput.ReadToEndAsync();
                var errors = apt.StandardError.ReadToEnd();
                apt.WaitForExit();
                _ = output.Result;
                Assert.True(apt.ExitCode == 0, $"redis-server is not installed, and apt-get {args} failed: {errors}");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("redis-server is not installed, and there is no apt-get to install it: install Redis 7 and put redis-server on PATH.", e);
            }
        }
    }

    private async Task<Process> StartSilo(string redis)
    {
        var silo = Tool(["silo", "--redis", redis, "--model", Model, "--threads", "1", "--port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var lines = new List<string>();
        string? line;
        while ((line = await silo.StandardError.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("silo ", StringComparison.Ordinal))
        {
            lines.Add(line);
        }

        Assert.True(line is not null && line.Contains("joined cluster", StringComparison.Ordinal), "the silo did not join: " + string.Join('\n', lines));
        return silo;
    }

    private Process Tool(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        start.ArgumentList.Add(typeof(SiloCommand).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        processes.Add(process);
        _ = process.StandardOutput.ReadToEndAsync();
        return process;
    }

    private static async Task WhenParts(string parts, int count, Process client)
    {
        var waited = Stopwatch.StartNew();
        while (!(Directory.Exists(parts) && Directory.EnumerateFiles(parts, "part-*.parquet").Count() >= count))
        {
            Assert.False(client.HasExited, "the client ended before the parts to wait for were written");
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2), $"fewer than {count} parts after two minutes");
            await Task.Delay(10);
        }
    }

    // Until the cluster's membership in Redis holds a silo marked dead (Orleans' SiloStatus.Dead is 6), within 90 s: the
    // failure detector takes 10 to 20 s on this machine.
    private static async Task WhenASiloIsDead(string redis)
    {
        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis);
        var waited = Stopwatch.StartNew();
        while (!(await connection.GetDatabase().HashGetAllAsync("bert-mlnet/members/bert-mlnet")).Any(e => e.Value.ToString().Contains("\"Status\":6", StringComparison.Ordinal)))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), "no silo was declared dead within 90 s");
            await Task.Delay(500);
        }
    }

    private static async Task<(int Exit, string Stderr)> Ended(Process process, Task<string> stderr)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stderr);
    }

    // The process that used the most CPU over half a second (user and system ticks in /proc/PID/stat).
    private static async Task<Process> Busiest(Process[] processes)
    {
        static long Ticks(Process process)
        {
            var stat = File.ReadAllText($"/proc/{process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        }

        var before = processes.Select(Ticks).ToArray();
        await Task.Delay(500);
        return processes.Select((p, i) => (Process: p, Used: Ticks(p) - before[i])).MaxBy(p => p.Used).Process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
