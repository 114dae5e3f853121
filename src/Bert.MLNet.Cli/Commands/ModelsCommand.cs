using System.CommandLine;
using System.Globalization;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet models</c>: the models known by name, their sizes and licenses, and where their files are cached.</summary>
internal static class ModelsCommand
{
    internal static Command Create()
    {
        var command = new Command("models",
            $"List the models --model accepts by name: layers, hidden size, download size, license, source and cache folder (moved by {PretrainedModels.CacheVariable}).");
        command.SetAction((_, _) => CommandErrors.Run(() => Run(Console.Out)));
        return command;
    }

    internal static int Run(TextWriter output)
    {
        output.WriteLine(string.Join('\t', "name", "layers", "hidden", "download", "license", "source", "cached", "folder"));
        foreach (var model in PretrainedModels.All)
        {
            var download = model.DownloadBytes == 0 ? "in Bert.MLNet" : $"{(model.DownloadBytes / 1e6).ToString("F1", CultureInfo.InvariantCulture)} MB";
            var marker = model.Name == PretrainedModels.DefaultName ? " (default)" : string.Empty;
            output.WriteLine(string.Join('\t', model.Name + marker, model.Layers, model.HiddenSize, download, model.License, model.Source,
                model.IsCached ? "yes" : "no", model.CacheFolder));
        }

        return 0;
    }
}
