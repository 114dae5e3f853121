using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Data;

/// <summary>
/// A model <c>train</c> wrote, loaded with ML.NET with its embedding step running in batches
/// (<see cref="BertModelOperations.LoadWithBatchedEmbeddings"/>), and a dataset loaded in the columns it takes.
/// </summary>
internal sealed class SavedModel : IDisposable
{
    private SavedModel(string path, ITransformer model, DataViewSchema input, ModelInfo info)
    {
        Path = path;
        Model = model;
        Input = input;
        Info = info;
    }

    internal string Path { get; }

    internal ITransformer Model { get; }

    /// <summary>The columns the model was saved with: the training dataset's.</summary>
    internal DataViewSchema Input { get; }

    internal ModelInfo Info { get; }

    /// <summary>The model file a <c>--model</c> names: a <c>model.zip</c>, or the folder <c>train</c> wrote it into.</summary>
    internal static string Resolve(string path) =>
        Directory.Exists(path)
            ? File.Exists(System.IO.Path.Combine(path, TrainOutputs.ModelFile)) ? System.IO.Path.Combine(path, TrainOutputs.ModelFile)
                : throw new FileNotFoundException($"Model folder '{path}' holds no {TrainOutputs.ModelFile}; expected the model.zip that bert-mlnet train writes, or its folder.")
            : path;

    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a model <c>train</c> wrote, or ML.NET cannot load it.</exception>
    internal static SavedModel Load(MLContext ml, string path)
    {
        var info = ModelInfo.Read(path);
        ITransformer model;
        DataViewSchema input;
        try
        {
            model = ml.Model.LoadWithBatchedEmbeddings(path, out input);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            // The file is untrusted: whatever ML.NET or ONNX Runtime throws on a damaged zip, it is one line naming it.
            throw new InvalidDataException($"Model '{path}' could not be loaded ({e.GetType().Name}: {e.Message}); expected the model.zip that bert-mlnet train writes.", e);
        }

        return new SavedModel(path, model, input, info);
    }

    /// <summary>
    /// Loads <paramref name="file"/> in the model's input columns, by header name. The text columns must be there; the
    /// label is read from <paramref name="labelColumn"/> (default: the training label's name) and must be there when
    /// <paramref name="requireLabel"/>; any other column the file lacks loads empty. Class labels are checked against
    /// the classes the model knows.
    /// </summary>
    internal IDataView LoadDataset(MLContext ml, DatasetFile file, string? labelColumn, bool requireLabel)
    {
        foreach (var text in Info.TextColumns)
        {
            file.Require(text, "a text column of the model");
        }

        var labelSource = labelColumn ?? Info.LabelColumn;
        if (requireLabel)
        {
            file.Require(labelSource, labelColumn is null ? "the model's label; name another with --label-col" : "--label-col");
            var labels = file.Labels(labelSource);
            if (Info.IsRegression)
            {
                file.Numbers(labels, labelSource);
            }
            else
            {
                var unknown = Array.FindIndex(labels, l => !Info.Classes.Contains(l));
                if (unknown >= 0)
                {
                    throw new InvalidDataException(
                        $"Dataset '{file.Path}' line {file.Line(unknown)}: label '{labels[unknown]}' in column '{labelSource}' is not one the model was trained on ({string.Join(", ", Info.Classes)}).");
                }
            }
        }
        else if (!file.Columns.Contains(labelSource))
        {
            labelSource = null;
        }

        var columns = Input.Where(c => !c.IsHidden).Select(c =>
        {
            var isLabel = c.Name == Info.LabelColumn;
            var source = isLabel ? labelSource : file.Columns.Contains(c.Name) ? c.Name : null;
            return (c.Name, source, c.Type == NumberDataViewType.Single ? DataKind.Single : DataKind.String);
        });
        return file.Load(columns);
    }

    public void Dispose() => (Model as IDisposable)?.Dispose();
}
