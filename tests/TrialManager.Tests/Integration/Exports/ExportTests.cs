using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TrialManager.Api.Features.Exports;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Exports;

public sealed class ExportTests : IntegrationTest
{
    private static readonly string[] ArmWords = [ArmZulu, ArmYankee, "Pro-recovery team", "Usual care"];

    [Test]
    public async Task Csv_extract_holds_exactly_the_trials_data_with_checksums_that_match()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        var status = await ExportWorld.ExportAsync(Api, x.World, x.World.UnblindedStatistician, new { format = "csv", blinded = false });
        Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), status.ToJsonString());
        var id = status["id"]!.GetValue<Guid>();
        var (code, zip, contentType, fileName) = await ExportWorld.FileAsync(Api, id, x.World.UnblindedStatistician);
        Assert.That(code, Is.EqualTo(HttpStatusCode.OK));
        var files = ExportWorld.Entries(zip);
        var (a, b) = (x.ParticipantA, x.ParticipantB);
        const string baseA = "baseline,MOOD,1,complete,2011-06-10,0,0";
        Assert.Multiple(() =>
        {
            Assert.That(contentType?.MediaType, Is.EqualTo("application/zip"));
            Assert.That(fileName, Does.StartWith("REFOCUS-unblinded-").And.EndWith(".zip"));
            Assert.That(status["blinded"]!.GetValue<bool>(), Is.False);
            Assert.That(status["progress"]!.GetValue<int>(), Is.EqualTo(100));
            Assert.That(status["sizeBytes"]!.GetValue<long>(), Is.EqualTo(zip.Length));
            Assert.That(status["sha256"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(zip))));
            Assert.That(status["expiresAt"]!.GetValue<DateTimeOffset>(), Is.GreaterThan(DateTimeOffset.UtcNow.AddDays(6)));
            Assert.That(files.Keys, Is.EqualTo(new[]
            {
                "participants.csv", "clusters.csv", "assessments_long.csv", "assessments_wide.csv", "data_dictionary.csv", "load.R", "load.do", "manifest.json",
            }));
            Assert.That(files["participants.csv"], Is.EqualTo(
                "participant_id,kind,cluster,site,arm,consent_date,baseline_date,status,status_date\n" +
                $"{a},patient,{x.ClusterA},SLAM,{x.ArmA},2011-06-01,2011-06-08,active,\n" +
                $"{b},patient,{x.ClusterB},GLOS,{x.ArmB},2011-06-01,2011-06-08,active,\n"));
            Assert.That(files["clusters.csv"], Is.EqualTo(
                "cluster,site,arm,caseload,team_type\n" +
                $"{x.ClusterB},GLOS,{x.ArmB},180,assertive\n" +
                $"{x.ClusterA},SLAM,{x.ArmA},250,support\n"));
            Assert.That(files["assessments_long.csv"], Is.EqualTo(
                "participant_id,timepoint,instrument,instrument_version,status,assessed_on,out_of_window,days_out_of_window,variable,variable_kind,value,value_text\n" +
                $"{a},{baseA},m1,item,3,\n" +
                $"{a},{baseA},m2,item,1,\n" +
                $"{a},{baseA},note,item,,\"felt \"\"better\"\", thanks\"\n" +
                $"{a},{baseA},seen,item,,2011-06-09\n" +
                $"{a},{baseA},mode,item,,home\n" +
                $"{a},{baseA},total,scale,6,\n" +
                $"{a},12m,MOOD,1,draft,2012-06-07,0,0,m1,item,-99,\n" +
                $"{a},12m,MOOD,1,draft,2012-06-07,0,0,m2,item,2,\n" +
                $"{a},12m,MOOD,1,draft,2012-06-07,0,0,note,item,,\n" +
                $"{a},12m,MOOD,1,draft,2012-06-07,0,0,seen,item,,\n" +
                $"{a},12m,MOOD,1,draft,2012-06-07,0,0,mode,item,,\n" +
                $"{a},12m,MOOD,1,draft,2012-06-07,0,0,total,scale,,\n" +
                $"{b},{baseA},m1,item,0,\n" +
                $"{b},{baseA},m2,item,4,\n" +
                $"{b},{baseA},note,item,,\n" +
                $"{b},{baseA},seen,item,,\n" +
                $"{b},{baseA},mode,item,,\n" +
                $"{b},{baseA},total,scale,0,\n"));
            Assert.That(files["assessments_wide.csv"], Is.EqualTo(
                "participant_id,timepoint,mood_status,mood_assessed_on,mood_version,mood_m1,mood_m2,mood_note,mood_seen,mood_mode,mood_total,cluster,site,arm\n" +
                $"{a},baseline,complete,2011-06-10,1,3,1,\"felt \"\"better\"\", thanks\",2011-06-09,home,6,{x.ClusterA},SLAM,{x.ArmA}\n" +
                $"{a},12m,draft,2012-06-07,1,-99,2,,,,,{x.ClusterA},SLAM,{x.ArmA}\n" +
                $"{b},baseline,complete,2011-06-10,1,0,4,,,,0,{x.ClusterB},GLOS,{x.ArmB}\n"));
            var dictionary = files["data_dictionary.csv"].Split('\n');
            Assert.That(dictionary[0], Is.EqualTo("file,variable,label,type,allowed_values,missing_codes,derivation"));
            Assert.That(dictionary, Does.Contain($"participants.csv,arm,Arm (the real allocation),categorical,{ArmZulu}=Pro-recovery team; {ArmYankee}=Usual care,empty: cluster not yet randomised,"));
            Assert.That(dictionary, Does.Contain($"participants.csv,cluster,Cluster (unit of randomisation),categorical,{x.ClusterB}; {x.ClusterA},,"));
            Assert.That(dictionary, Does.Contain("clusters.csv,caseload,caseload: cluster covariate,decimal,,empty: not recorded for the cluster,"));
            Assert.That(dictionary, Does.Contain("clusters.csv,team_type,teamType: cluster covariate,categorical,assertive; support,empty: not recorded for the cluster,"));
            Assert.That(dictionary, Does.Contain("assessments_wide.csv,mood_m1,Mood check: Low mood,integer,0 to 4,-99=refused,"));
            // Any item takes a missing-data code, whatever its type.
            Assert.That(dictionary, Does.Contain("assessments_wide.csv,mood_mode,Mood check: Where,categorical,home=At home; clinic=In clinic,-99=refused,"));
            Assert.That(dictionary, Does.Contain("assessments_wide.csv,mood_seen,Mood check: Last seen,date,yyyy-mm-dd,-99=refused,"));
            Assert.That(dictionary, Does.Contain("assessments_wide.csv,mood_total,\"Mood check: Total (sum of 2 items, some reverse-scored)\",decimal,," +
                "empty: fewer than 2 items answered,\"score computed by the service: sum of mood_m1, mood_m2; reverse-scored (min + max - answer): mood_m2; at least 2 answered\""));
            Assert.That(dictionary, Does.Contain("assessments_long.csv,timepoint,Timepoint,categorical,baseline=Baseline; 12m=One year,,"));
            Assert.That(dictionary, Does.Contain("assessments_long.csv,value,\"Numeric answer, missing-data code or scale score\",decimal,," +
                "\"on rows where instrument is MOOD and variable_kind is item: -99=refused; empty: not answered, not numeric, or scale not scorable\"," +
                "\"on scale rows, the score the service computed (described with the scale's column in assessments_wide.csv)\""));
            Assert.That(files["load.R"], Does.Contain("read_extract(\"clusters.csv\"").And.Contain($"as_factor(participants$arm, c(\"{ArmZulu}\", \"{ArmYankee}\"), c(\"Pro-recovery team\","));
            Assert.That(files["load.do"], Does.Contain("import delimited using \"clusters.csv\"").And.Contain("label define arm 1 \"Pro-recovery team\" 2 \"Usual care\", replace"));
        });

        var manifest = JsonNode.Parse(files["manifest.json"])!;
        Assert.Multiple(() =>
        {
            Assert.That(manifest["trial"]!.GetValue<string>(), Is.EqualTo("REFOCUS"));
            Assert.That(manifest["blinded"]!.GetValue<bool>(), Is.False);
            Assert.That(manifest["requestedBy"]!.GetValue<string>(), Does.StartWith("unblindedstatistician"));
            var listed = manifest["files"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>());
            Assert.That(listed.Keys, Is.EquivalentTo(files.Keys.Where(k => k != "manifest.json")));
            using var archive = new ZipArchive(new MemoryStream(zip));
            foreach (var (name, entry) in listed)
            {
                using var content = new MemoryStream();
                archive.GetEntry(name)!.Open().CopyTo(content);
                Assert.That(entry!["sha256"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(content.ToArray()))), name);
                Assert.That(entry["bytes"]!.GetValue<long>(), Is.EqualTo(content.Length), name);
                if (name is "load.R" or "load.do")
                {
                    // A script has lines, not rows of data.
                    Assert.That(entry["rows"], Is.Null, name);
                    Assert.That(status["rowCounts"]![name], Is.Null, name);
                    continue;
                }
                Assert.That(entry["rows"]!.GetValue<long>(), Is.EqualTo(files[name].Count(c => c == '\n') - 1), name);
                Assert.That(status["rowCounts"]![name]!.GetValue<long>(), Is.EqualTo(entry["rows"]!.GetValue<long>()), name);
            }
        });
    }

    [Test]
    public async Task Blinded_role_gets_masked_arms_even_when_asking_for_unblinded_and_the_masks_are_stable()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        var extracts = new List<Dictionary<string, string>>();
        foreach (var token in new[] { x.World.Statistician, x.World.Statistician, x.World.Monitor })
        {
            var status = await ExportWorld.ExportAsync(Api, x.World, token, new { format = "csv", blinded = false });
            Assert.That(status["blinded"]!.GetValue<bool>(), Is.True);
            var (code, zip, _, fileName) = await ExportWorld.FileAsync(Api, status["id"]!.GetValue<Guid>(), token);
            Assert.That(code, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(fileName, Does.Contain("-blinded-"));
            extracts.Add(ExportWorld.Entries(zip));
        }
        var (maskA, maskB) = (x.Masks[x.ArmA], x.Masks[x.ArmB]);
        Assert.Multiple(() =>
        {
            Assert.That(x.Masks.Values, Is.EquivalentTo(new[] { "A", "B" }));
            foreach (var files in extracts)
            {
                var all = string.Concat(files.Values);
                foreach (var word in ArmWords)
                    Assert.That(all, Does.Not.Contain(word).IgnoreCase, $"a blinded extract names '{word}'");
                Assert.That(files["clusters.csv"], Is.EqualTo(
                    $"cluster,site,arm,caseload,team_type\n{x.ClusterB},GLOS,{maskB},180,assertive\n{x.ClusterA},SLAM,{maskA},250,support\n"));
                Assert.That(files["assessments_wide.csv"], Does.Contain($",{x.ClusterA},SLAM,{maskA}\n"));
                Assert.That(files["load.R"], Does.Contain("as_factor(participants$arm, c(\"A\", \"B\"))"));
                Assert.That(files["load.do"], Does.Contain("label define arm 1 \"A\" 2 \"B\", replace"));
                Assert.That(files["participants.csv"], Does.Contain($",{x.ClusterA},SLAM,{maskA},"));
                Assert.That(files["data_dictionary.csv"], Does.Contain(
                    "participants.csv,arm,Arm as a masked code: the same code for the same arm in every blinded extract of this trial,categorical,A; B,"));
                Assert.That(JsonNode.Parse(files["manifest.json"])!["blinded"]!.GetValue<bool>(), Is.True);
            }
            Assert.That(extracts[1]["participants.csv"], Is.EqualTo(extracts[0]["participants.csv"]));
        });
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'access' AND entity_type = 'export'"), Is.Zero);
    }

    [Test]
    public async Task Unblinded_extract_is_an_audited_access_and_filters_apply()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        var status = await ExportWorld.ExportAsync(Api, x.World, x.World.Manager,
            new { format = "csv", blinded = false, timepoints = new[] { "12m" }, instruments = new[] { "MOOD" } });
        var (_, zip, _, _) = await ExportWorld.FileAsync(Api, status["id"]!.GetValue<Guid>(), x.World.Manager);
        var files = ExportWorld.Entries(zip);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(files["clusters.csv"], Does.Contain(x.ArmA).And.Contain(x.ArmB));
            Assert.That(files["assessments_wide.csv"].Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2));
            Assert.That(files["assessments_wide.csv"], Does.Contain($"{x.ParticipantA},12m,draft,2012-06-07,1,-99,2,,,,,{x.ClusterA},SLAM,{x.ArmA}\n"));
            Assert.That(status["timepoints"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "12m" }));
            // One access event for the request, one for the download.
            Assert.That(await Db.ScalarAsync<long>(
                "SELECT count(*) FROM audit_events WHERE action = 'access' AND entity_type = 'export' AND actor_role = 'trial-manager'"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Export_status_and_file_are_for_roles_with_the_same_rights_only()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        var w = x.World;
        var blinded = (await ExportWorld.ExportAsync(Api, w, w.Statistician, new { format = "csv" }))["id"]!.GetValue<Guid>();
        var unblinded = (await ExportWorld.ExportAsync(Api, w, w.UnblindedStatistician, new { format = "csv", blinded = false }))["id"]!.GetValue<Guid>();
        await Assert.MultipleAsync(async () =>
        {
            foreach (var token in new[] { w.Statistician, w.Manager, w.Monitor, w.UnblindedStatistician })
                Assert.That((await ExportWorld.FileAsync(Api, blinded, token)).Status, Is.EqualTo(HttpStatusCode.OK));
            foreach (var token in new[] { w.ResearcherA, w.ResearcherB })
            {
                Assert.That((await Api.Get($"/exports/{blinded}", token)).Code, Is.EqualTo(403));
                Assert.That((await ExportWorld.FileAsync(Api, blinded, token)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
            }
            Assert.That((await ExportWorld.FileAsync(Api, blinded, w.Outsider)).Status, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await Api.Get($"/exports/{blinded}", w.Outsider)).Code, Is.EqualTo(404));
            Assert.That((await Api.Get($"/exports/{Guid.NewGuid()}", w.Statistician)).Code, Is.EqualTo(404));
            // An unblinded extract is for roles that see the allocation.
            foreach (var token in new[] { w.Statistician, w.Monitor })
            {
                Assert.That((await Api.Get($"/exports/{unblinded}", token)).Code, Is.EqualTo(403));
                Assert.That((await ExportWorld.FileAsync(Api, unblinded, token)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
            }
            Assert.That((await ExportWorld.FileAsync(Api, unblinded, w.Manager)).Status, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Unknown_codes_and_formats_are_refused_with_problem_details()
    {
        var w = await NewTrialAsync();
        var unknown = await Api.Post($"{w.Path}/exports", new { format = "csv", timepoints = new[] { "6m" }, instruments = new[] { "QPR" } }, w.Statistician);
        var format = await Api.Post($"{w.Path}/exports", new { format = "xlsx" }, w.Statistician);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(unknown.Code, Is.EqualTo(422), unknown.ToString());
            Assert.That(unknown.Body, Does.Contain("timepoints[0]").And.Contain("instruments[0]"));
            Assert.That(format.Code, Is.EqualTo(422), format.ToString());
            Assert.That(format.Body, Does.Contain("format"));
            Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM exports"), Is.Zero);
        });
    }

    [Test]
    public async Task A_job_run_again_after_success_changes_nothing()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        var first = await ExportWorld.ExportAsync(Api, x.World, x.World.Statistician, new { format = "csv" });
        var id = first["id"]!.GetValue<Guid>();
        using (var scope = TestHost.Factory.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<ExportJob>().RunAsync(id, null, CancellationToken.None);
        var again = await ExportWorld.WaitAsync(Api, id, x.World.Statistician);
        Assert.Multiple(() =>
        {
            Assert.That(again["sha256"]!.GetValue<string>(), Is.EqualTo(first["sha256"]!.GetValue<string>()));
            Assert.That(again["finishedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(first["finishedAt"]!.GetValue<DateTimeOffset>()));
        });
    }

    [Test]
    public async Task An_export_that_keeps_failing_ends_failed_with_its_error_after_bounded_retries()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        // Storage cannot make the trial's folder: a file stands where it should be.
        var root = ((FolderExportStorage)TestHost.Factory.Services.GetRequiredService<IExportStorage>()).Root;
        Directory.CreateDirectory(root);
        var blocker = Path.Combine(root, x.World.TrialId.ToString());
        await File.WriteAllTextAsync(blocker, "not a folder");
        try
        {
            var requested = await TrialWorld.Expect(HttpStatusCode.Accepted, Api.Post($"{x.World.Path}/exports", new { format = "csv" }, x.World.Statistician));
            var status = await ExportWorld.WaitAsync(Api, requested.Id, x.World.Statistician, TimeSpan.FromSeconds(90));
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("failed"));
                Assert.That(status["error"]!.GetValue<string>(), Does.Contain("IOException"));
                Assert.That(status["fileAvailable"]!.GetValue<bool>(), Is.False);
                // The first run and three retries (Jobs:RetryAttempts defaults to 3), then Hangfire's own record says failed too.
                Assert.That(await Db.ScalarAsync<int>("SELECT attempts FROM exports WHERE id = $1", requested.Id), Is.EqualTo(4));
                Assert.That(await Db.ScalarAsync<string>("SELECT statename FROM hangfire.job WHERE arguments::text LIKE '%' || $1 || '%'", requested.Id.ToString()),
                    Is.EqualTo("Failed"));
                Assert.That((await ExportWorld.FileAsync(Api, requested.Id, x.World.Statistician)).Status, Is.EqualTo(HttpStatusCode.Conflict));
            });
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    [Test]
    public async Task Cleanup_deletes_expired_files()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        var expired = (await ExportWorld.ExportAsync(Api, x.World, x.World.Statistician, new { format = "csv" }))["id"]!.GetValue<Guid>();
        var kept = (await ExportWorld.ExportAsync(Api, x.World, x.World.Statistician, new { format = "csv" }))["id"]!.GetValue<Guid>();
        var key = await Db.ScalarAsync<string>("SELECT file_key FROM exports WHERE id = $1", expired);
        await Db.ExecuteAsync($"UPDATE exports SET expires_at = now() - interval '1 hour' WHERE id = '{expired}'");
        var storage = TestHost.Factory.Services.GetRequiredService<IExportStorage>();
        Assert.That(await storage.ExistsAsync(key!, CancellationToken.None), Is.True);

        await TrialWorld.Expect(HttpStatusCode.Accepted, Api.Post("/jobs/export-cleanup/trigger", new { }, Admin));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await Db.ScalarAsync<string>("SELECT file_key FROM exports WHERE id = $1", expired) is not null && DateTime.UtcNow < deadline)
            await Task.Delay(200);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await storage.ExistsAsync(key!, CancellationToken.None), Is.False);
            Assert.That((await ExportWorld.FileAsync(Api, expired, x.World.Statistician)).Status, Is.EqualTo(HttpStatusCode.Gone));
            Assert.That((await ExportWorld.FileAsync(Api, kept, x.World.Statistician)).Status, Is.EqualTo(HttpStatusCode.OK));
            // Clearing the file is a change of the export, audited as the system's.
            Assert.That(await Db.ScalarAsync<long>(
                "SELECT count(*) FROM audit_events WHERE entity_type = 'export' AND entity_id = $1 AND action = 'update' AND actor_role = 'system'", expired),
                Is.GreaterThanOrEqualTo(1));
        });
    }

    [Test]
    public async Task Queued_exports_run_once_each_when_three_workers_share_the_database()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        var worker = new Dictionary<string, string?> { ["Hosting:Mode"] = "worker" };
        await using var first = new ApiFactory(TestHost.Database, worker);
        await using var second = new ApiFactory(TestHost.Database, worker);
        first.StartServer();
        second.StartServer();

        var requested = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Api.Post($"{x.World.Path}/exports", new { format = "csv" }, x.World.Statistician)));
        var finished = await Task.WhenAll(requested.Select(r => ExportWorld.WaitAsync(Api, r.Id, x.World.Statistician)));
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(finished.Select(f => f!["status"]!.GetValue<string>()), Is.All.EqualTo("succeeded"));
            Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM exports WHERE attempts <> 1"), Is.Zero, "each export ran once");
        });
    }
}
