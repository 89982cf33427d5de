using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Exports;

/// <summary>
/// The load scripts of a real blinded extract of the REFOCUS pack: load.R is run by Rscript (Debian's r-base-core, which
/// `.ci/run` installs) and checked from R's own output; load.do, which cannot run here, is read for every variable of
/// the data dictionary.
/// </summary>
public sealed class LoadScriptTests : IntegrationTest
{
    /// <summary>Prints what R made of the extract, one tab-separated fact a line.</summary>
    private const string Check = """
        load("analysis.RData")
        out <- function(...) cat(paste(..., sep = "\t"), "\n", sep = "")
        for (name in c("participants", "clusters", "assessments_long", "assessments_wide", "analysis", "missing_reasons")) {
          out("rows", name, nrow(get(name)))
        }
        for (name in c("participants", "clusters", "assessments_long", "assessments_wide", "analysis")) {
          data <- get(name)
          for (column in names(data)) {
            x <- data[[column]]
            out("class", name, column, class(x)[1])
            out("label", name, column, if (is.null(attr(x, "label"))) "" else attr(x, "label"))
            if (is.factor(x)) out("levels", name, column, paste(levels(x), collapse = "|"))
            if (is.numeric(x)) out("negative", name, column, sum(x < 0, na.rm = TRUE))
          }
        }
        out("arms", paste(sort(unique(as.character(analysis$arm))), collapse = "|"))
        year <- analysis$timepoint == "One year"
        means <- tapply(analysis$qpr_total[year], analysis$arm[year], mean, na.rm = TRUE)
        for (arm in names(means)) out("mean", arm, sprintf("%.6f", means[[arm]]))
        out("reasons", paste(sort(unique(missing_reasons$reason)), collapse = "|"))
        out("coded", sum(!is.na(missing_reasons$code) & missing_reasons$code < 0))
        """;

    private static readonly Dictionary<string, string> RClass = new()
    {
        ["string"] = "character", ["categorical"] = "factor", ["date"] = "Date", ["integer"] = "integer", ["decimal"] = "numeric",
    };

    [Test]
    public async Task Rscript_turns_a_blinded_extract_into_a_labelled_analysis_data_set_with_no_editing()
    {
        var rscript = Rscript();
        var x = await AnalysisWorld.CreateAsync(Api, await NewTrialAsync());
        var (folder, files) = await BlindedExtractAsync(x);
        try
        {
            var load = await RunAsync(rscript, folder, "load.R");
            Assert.That(load.ExitCode, Is.Zero, load.Errors);
            await File.WriteAllTextAsync(Path.Combine(folder, "check.R"), Check);
            var check = await RunAsync(rscript, folder, "check.R");
            Assert.That(check.ExitCode, Is.Zero, check.Errors);
            // What a statistician would see, kept in the test log: load.R's summary and R's own figures for the trial.
            TestContext.Out.WriteLine(load.Output);
            TestContext.Out.WriteLine(string.Join('\n', check.Output.Split('\n')
                .Where(l => l.StartsWith("rows\t", StringComparison.Ordinal) || l.StartsWith("arms\t", StringComparison.Ordinal)
                    || l.StartsWith("mean\t", StringComparison.Ordinal) || l.StartsWith("reasons\t", StringComparison.Ordinal)
                    || l.StartsWith("coded\t", StringComparison.Ordinal))));
            var facts = check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t'))
                .ToDictionary(f => string.Join('\t', f[..^1]), f => f[^1]);
            var dictionary = DictionaryRow.Read(files["data_dictionary.csv"]);
            var expectedMeans = x.MeanByMaskedArm("QPR", "12m", "total");
            Assert.Multiple(() =>
            {
                foreach (var (frame, rows) in new[] { ("participants", x.Participants), ("clusters", 6), ("assessments_long", x.LongRows),
                             ("assessments_wide", x.WideRows), ("analysis", x.WideRows), ("missing_reasons", x.CodedAnswers) })
                {
                    Assert.That(facts[$"rows\t{frame}"], Is.EqualTo(rows.ToString(CultureInfo.InvariantCulture)), frame);
                    Assert.That(load.Output, Does.Match($@"(?m)^{frame}\s+{rows} rows"), "load.R reports what it loaded");
                }
                foreach (var v in dictionary)
                {
                    var key = $"{v.Frame}\t{v.Variable}";
                    Assert.That(facts[$"class\t{key}"], Is.EqualTo(RClass[v.Type]), key);
                    Assert.That(facts[$"label\t{key}"], Is.EqualTo(v.Label), key);
                    if (v.Type == "categorical")
                        Assert.That(facts[$"levels\t{key}"], Is.EqualTo(string.Join('|', v.Levels.Select(l => l.Label))), key);
                    if (v.File == "assessments_wide.csv" || v.File == "participants.csv" || v.File == "clusters.csv")
                    {
                        Assert.That(facts[$"class\tanalysis\t{v.Variable}"], Is.EqualTo(RClass[v.Type]), $"analysis {v.Variable}");
                        Assert.That(facts[$"label\tanalysis\t{v.Variable}"], Is.EqualTo(v.Label), $"analysis {v.Variable}");
                    }
                }
                // Every instrument of the pack scores 0 or more: a negative number is a missing-data code left in.
                Assert.That(facts.Where(f => f.Key.StartsWith("negative\t", StringComparison.Ordinal) && f.Value != "0").Select(f => f.Key), Is.Empty);
                Assert.That(facts["coded"], Is.EqualTo(x.CodedAnswers.ToString(CultureInfo.InvariantCulture)));
                Assert.That(facts["reasons"], Is.EqualTo("Not applicable|Not asked|Refused"));
                Assert.That(facts["levels\tanalysis\tmansa_o1"], Is.EqualTo("Yes|No"));
                Assert.That(facts["levels\tclusters\tstratum"], Is.EqualTo("site=GLOS|site=SLAM"));
                Assert.That(facts["class\tanalysis\tcaseload"], Is.EqualTo("numeric"));
                Assert.That(facts["levels\tanalysis\tteam_type"], Is.EqualTo("assertive|support"));
                Assert.That(facts["arms"], Is.EqualTo("A|B"), "only masked arms");
                foreach (var word in new[] { ArmZulu, ArmYankee })
                    Assert.That(load.Output + load.Errors + check.Output, Does.Not.Contain(word));
                foreach (var (arm, mean) in expectedMeans)
                    Assert.That(double.Parse(facts[$"mean\t{arm}"], CultureInfo.InvariantCulture), Is.EqualTo(mean).Within(1e-6), $"mean QPR total at one year, arm {arm}");
                Assert.That(expectedMeans.Keys, Is.EquivalentTo(new[] { "A", "B" }));
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Rscript's path; without it the test fails under CI and is skipped elsewhere, saying how to install it.</summary>
    private static string Rscript()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "Rscript")).FirstOrDefault(File.Exists);
        if (found is not null)
            return found;
        const string missing = "Rscript is not installed (Debian: apt-get install r-base-core), so load.R cannot be run";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            Assert.Fail($"{missing}; CI must run it (.ci/run installs r-base-core).");
        Assert.Ignore($"{missing}; CI runs it.");
        return "";
    }

    private async Task<(string Folder, Dictionary<string, string> Files)> BlindedExtractAsync(AnalysisWorld x)
    {
        var status = await ExportWorld.ExportAsync(Api, x.World, x.World.Statistician, new { format = "csv" });
        Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), status.ToJsonString());
        var (_, zip, _, _) = await ExportWorld.FileAsync(Api, status["id"]!.GetValue<Guid>(), x.World.Statistician);
        var folder = Directory.CreateTempSubdirectory("trialmanager-extract-").FullName;
        await ZipFile.ExtractToDirectoryAsync(new MemoryStream(zip), folder);
        return (folder, ExportWorld.Entries(zip));
    }

    /// <summary>Runs `Rscript script` in the folder, as a statistician would, and answers its exit code, output and errors.</summary>
    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, string folder, string script)
    {
        var start = new ProcessStartInfo(program, [script])
        {
            WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await errors);
    }
}
