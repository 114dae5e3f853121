using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Transforms.Saved;

/// <summary>
/// The built-in form of a transform of ours that ends in ML.NET's OnnxTransformer, and the graph file that
/// OnnxTransformer needs: it keeps the file open and reads it again only when saved. The form that runs rows is built
/// once; on Unix its file goes at once (the open handle keeps the bytes), elsewhere when this is disposed. Each save
/// builds a fresh form over a file of its own and deletes the file once saved, so nothing stays in the temp folder.
/// </summary>
internal sealed class OnnxStepFile(Func<string, TransformerChain<ITransformer>> build) : IDisposable
{
    private readonly object gate = new();
    private TransformerChain<ITransformer>? running;
    private string? runningFile;

    /// <summary>The form that runs rows, built on first use.</summary>
    internal ITransformer Running
    {
        get
        {
            lock (gate)
            {
                if (running is null)
                {
                    var file = NewFile();
                    running = build(file);
                    runningFile = TryDelete(file) ? null : file;
                }

                return running;
            }
        }
    }

    /// <summary>Saves a fresh form into <paramref name="ctx"/> and deletes its file.</summary>
    internal void Save(ModelSaveContext ctx)
    {
        var file = NewFile();
        try
        {
            using var chain = build(file);
            ((ICanSaveModel)chain).Save(ctx);
        }
        finally
        {
            TryDelete(file);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            running?.Dispose();
            running = null;
            if (runningFile is not null)
            {
                TryDelete(runningFile);
                runningFile = null;
            }
        }
    }

    private static string NewFile() => Path.Combine(Path.GetTempPath(), $"bert-mlnet-{Guid.NewGuid():N}.onnx");

    private static bool TryDelete(string file)
    {
        try
        {
            File.Delete(file);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
