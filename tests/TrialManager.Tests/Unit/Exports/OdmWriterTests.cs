using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Outcomes;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Data.Trials;

namespace TrialManager.Tests.Unit.Exports;

public sealed class OdmWriterTests
{
    private static readonly XNamespace Odm = "http://www.cdisc.org/ns/odm/v1.3";
    private static readonly DateTimeOffset CreatedAt = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);

    private static readonly InstrumentDefinition Wellbeing = new("WB", "Wellbeing check (3 items)", "Test instrument.",
        [
            new ItemDefinition("mood", "Mood today", "choice", null, null, [new("1", "Low"), new("2", "Medium"), new("3", "High")], true),
            new ItemDefinition("sleep", "Hours slept", "decimal", 0, 24, null, true),
            new ItemDefinition("seen", "Date last seen by the team", "date", null, null, null, false),
        ],
        [new ScaleDefinition("sleepScore", "Sleep", ["sleep"], "mean", [], 1, false, null)],
        [new MissingCode(-99, "Refused"), new MissingCode(-98, "Not applicable")]);

    private static readonly ExtractTimepoint[] Timepoints = [new("BL", "Baseline", 0, 0, 14), new("12m", "12 months", 365, 30, 60)];

    private static readonly ExtractArm[] RealArms = [new("ACTIVE-RX", "Active treatment"), new("USUAL-CARE", "Usual care")];

    /// <summary>Real arm → masked code, as the extract builder maps them in a blinded extract (B for the first arm: unrelated to arm order).</summary>
    private static readonly Dictionary<string, string> Masked = new() { ["ACTIVE-RX"] = "B", ["USUAL-CARE"] = "A" };

    private static ExtractHeader Header(bool blinded, params ExtractInstrument[] instruments) => new(
        Guid.Parse("5b0c8f0e-7a43-4d43-9a0e-3d1f2c5a9b11"), "REFOCUS-T", "REFOCUS test trial", blinded, CreatedAt, "stats@example.org",
        // A blinded header's labels are deliberately the real ones here: the writer must not copy them into the file.
        blinded ? [new("A", "Usual care"), new("B", "Active treatment")] : RealArms,
        Timepoints, instruments.Length > 0 ? instruments : [new ExtractInstrument("WB", 1, Wellbeing)],
        new ExtractClusterDesign(["S1", "S2"], ["C1", "C2"], [], null));

    private static ExtractParticipant[] Participants(bool blinded)
    {
        string Arm(string real) => blinded ? Masked[real] : real;
        return
        [
            new("P001", "service-user", "C1", "S1", Arm("ACTIVE-RX"), new DateOnly(2026, 1, 10), new DateOnly(2026, 1, 12), "active", null),
            new("P002", "service-user", "C2", "S2", Arm("USUAL-CARE"), new DateOnly(2026, 1, 11), new DateOnly(2026, 1, 13), "withdrawn", new DateOnly(2026, 6, 1)),
        ];
    }

    private static ExtractCluster[] Clusters(bool blinded) =>
        [new("C1", "S1", blinded ? "B" : "ACTIVE-RX", NoCovariates, null), new("C2", "S2", blinded ? "A" : "USUAL-CARE", NoCovariates, null)];

    private static readonly Dictionary<string, CovariateValue> NoCovariates = [];

    private static ExtractAssessment Assessment(string participant, string timepoint, DateOnly on, object?[] answers, double? sleepScore, bool outOfWindow = false) =>
        new(participant, "C1", "S1", null, timepoint, "WB", 1, "complete", on, outOfWindow, outOfWindow ? 3 : 0,
            new Dictionary<string, JsonElement>
            {
                ["mood"] = JsonSerializer.SerializeToElement(answers[0]),
                ["sleep"] = JsonSerializer.SerializeToElement(answers[1]),
                ["seen"] = JsonSerializer.SerializeToElement(answers[2]),
            },
            new Dictionary<string, double?> { ["sleepScore"] = sleepScore });

    private static readonly ExtractAssessment[] Assessments =
    [
        Assessment("P001", "BL", new DateOnly(2026, 1, 12), ["2", 7.5, "2026-01-05"], 7.5),
        Assessment("P001", "12m", new DateOnly(2027, 1, 15), [-99, 6.25, null], 6.25, outOfWindow: true),
        Assessment("P002", "BL", new DateOnly(2026, 1, 13), ["3", -98, "2026-01-02"], null),
    ];

    private static async IAsyncEnumerable<T> Async<T>(IEnumerable<T> items, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    private static async Task<byte[]> Write(ExtractHeader header, IEnumerable<ExtractParticipant> participants,
        IEnumerable<ExtractCluster> clusters, IEnumerable<ExtractAssessment> assessments)
    {
        using var output = new MemoryStream();
        await OdmWriter.WriteAsync(output, header, Async(participants), Async(clusters), Async(assessments), CancellationToken.None);
        return output.ToArray();
    }

    private static Task<byte[]> WriteSmall(bool blinded) => Write(Header(blinded), Participants(blinded), Clusters(blinded), Assessments);

    private static XDocument Validated(byte[] xml)
    {
        OdmSchema.Validate(new MemoryStream(xml));
        return XDocument.Load(new MemoryStream(xml));
    }

    private static Dictionary<string, string> ItemData(XDocument doc, string subject, string eventOid, string formOid) =>
        doc.Descendants(Odm + "SubjectData").Single(s => (string?)s.Attribute("SubjectKey") == subject)
            .Elements(Odm + "StudyEventData").Single(e => (string?)e.Attribute("StudyEventOID") == eventOid)
            .Elements(Odm + "FormData").Single(f => (string?)f.Attribute("FormOID") == formOid)
            .Descendants(Odm + "ItemData").ToDictionary(i => (string)i.Attribute("ItemOID")!, i => (string)i.Attribute("Value")!);

    private static List<(string Code, string Decode)> CodeList(XDocument doc, string oid) =>
        doc.Descendants(Odm + "CodeList").Single(c => (string?)c.Attribute("OID") == oid)
            .Elements(Odm + "CodeListItem").Select(i => ((string)i.Attribute("CodedValue")!, i.Element(Odm + "Decode")!.Value)).ToList();

    private static XElement Def(XDocument doc, string element, string oid) =>
        doc.Descendants(Odm + element).Single(e => (string?)e.Attribute("OID") == oid);

    [Test]
    public async Task Unblinded_extract_validates_and_carries_subjects_answers_scores_and_real_arms()
    {
        var doc = Validated(await WriteSmall(blinded: false));
        var root = doc.Root!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)root.Attribute("ODMVersion"), Is.EqualTo("1.3.2"));
            Assert.That((string?)root.Attribute("FileType"), Is.EqualTo("Snapshot"));
            Assert.That((string?)root.Attribute("Granularity"), Is.EqualTo("All"));
            Assert.That((string?)root.Attribute("CreationDateTime"), Is.EqualTo("2026-11-28T09:30:00.000Z"));
            Assert.That((string?)root.Attribute("FileOID"), Is.EqualTo("TM.REFOCUS-T.UNBLINDED.20261128093000000"));
            Assert.That(doc.Descendants(Odm + "StudyName").Single().Value, Is.EqualTo("REFOCUS-T"));
            Assert.That(doc.Descendants(Odm + "StudyDescription").Single().Value, Is.EqualTo("REFOCUS test trial"));
            Assert.That(doc.Descendants(Odm + "StudyEventRef").Select(r => (string?)r.Attribute("StudyEventOID")),
                Is.EqualTo(new[] { "SE.ENROLMENT", "SE.BL", "SE.12M" }));
            Assert.That(doc.Descendants(Odm + "ClinicalData").Single().Attributes().Select(a => a.Value),
                Is.EqualTo(new[] { "S.REFOCUS-T", "MDV.UNBLINDED" }));
            Assert.That(doc.Descendants(Odm + "SubjectData").Select(s => (string?)s.Attribute("SubjectKey")), Is.EqualTo(new[] { "P001", "P002" }));

            Assert.That(ItemData(doc, "P001", "SE.BL", "F.WB.V1"), Is.EquivalentTo(new Dictionary<string, string>
            {
                ["IT.ASSESSMENT.ASSESSED_ON"] = "2026-01-12", ["IT.ASSESSMENT.STATUS"] = "complete",
                ["IT.ASSESSMENT.OUT_OF_WINDOW"] = "false", ["IT.ASSESSMENT.DAYS_OUT_OF_WINDOW"] = "0",
                ["IT.WB.MOOD"] = "2", ["IT.WB.SLEEP"] = "7.5", ["IT.WB.SEEN"] = "2026-01-05", ["IT.WB.SCORE.SLEEPSCORE"] = "7.5",
            }));
            var followUp = ItemData(doc, "P001", "SE.12M", "F.WB.V1");
            Assert.That(followUp["IT.WB.MOOD"], Is.EqualTo("-99"), "a missing-data code is written as its value");
            Assert.That(followUp["IT.WB.SLEEP"], Is.EqualTo("6.25"));
            Assert.That(followUp.ContainsKey("IT.WB.SEEN"), Is.False, "an unanswered item has no ItemData");
            Assert.That(followUp["IT.ASSESSMENT.DAYS_OUT_OF_WINDOW"], Is.EqualTo("3"));
            var p2 = ItemData(doc, "P002", "SE.BL", "F.WB.V1");
            Assert.That(p2["IT.WB.SLEEP"], Is.EqualTo("-98"));
            Assert.That(p2.ContainsKey("IT.WB.SCORE.SLEEPSCORE"), Is.False, "a scale the server could not score has no ItemData");

            Assert.That(ItemData(doc, "P002", "SE.ENROLMENT", "F.PARTICIPANT"), Is.EquivalentTo(new Dictionary<string, string>
            {
                ["IT.PARTICIPANT.CLUSTER"] = "C2", ["IT.PARTICIPANT.SITE"] = "S2", ["IT.PARTICIPANT.ARM"] = "USUAL-CARE",
                ["IT.PARTICIPANT.KIND"] = "service-user", ["IT.PARTICIPANT.CONSENT_DATE"] = "2026-01-11",
                ["IT.PARTICIPANT.BASELINE_DATE"] = "2026-01-13", ["IT.PARTICIPANT.STATUS"] = "withdrawn",
                ["IT.PARTICIPANT.STATUS_DATE"] = "2026-06-01",
            }));
            Assert.That(CodeList(doc, "CL.ARM"), Is.EqualTo(new[] { ("ACTIVE-RX", "Active treatment"), ("USUAL-CARE", "Usual care") }));
            Assert.That(CodeList(doc, "CL.CLUSTER"), Is.EqualTo(new[] { ("C1", "Cluster C1 at site S1"), ("C2", "Cluster C2 at site S2") }));
        });
    }

    [Test]
    public async Task Instrument_metadata_has_types_ranges_and_a_code_list_with_the_missing_codes()
    {
        var doc = Validated(await WriteSmall(blinded: false));
        Assert.Multiple(() =>
        {
            Assert.That(Def(doc, "StudyEventDef", "SE.12M").Elements(Odm + "FormRef").Select(f => (string?)f.Attribute("FormOID")), Is.EqualTo(new[] { "F.WB.V1" }));
            Assert.That((string?)Def(doc, "FormDef", "F.WB.V1").Attribute("Name"), Is.EqualTo("Wellbeing check (3 items)"));
            Assert.That(Def(doc, "FormDef", "F.WB.V1").Elements(Odm + "ItemGroupRef").Select(r => (string?)r.Attribute("ItemGroupOID")),
                Is.EqualTo(new[] { "IG.ASSESSMENT", "IG.WB.V1.ITEMS", "IG.WB.V1.SCORES" }));
            Assert.That(Def(doc, "ItemGroupDef", "IG.WB.V1.ITEMS").Elements(Odm + "ItemRef").Select(r => (string?)r.Attribute("ItemOID")),
                Is.EqualTo(new[] { "IT.WB.MOOD", "IT.WB.SLEEP", "IT.WB.SEEN" }));
            Assert.That(Def(doc, "ItemGroupDef", "IG.WB.V1.SCORES").Elements(Odm + "ItemRef").Select(r => (string?)r.Attribute("ItemOID")),
                Is.EqualTo(new[] { "IT.WB.SCORE.SLEEPSCORE" }));
            Assert.That(new[] { "IT.WB.MOOD", "IT.WB.SLEEP", "IT.WB.SEEN", "IT.WB.SCORE.SLEEPSCORE" }.Select(oid => (string?)Def(doc, "ItemDef", oid).Attribute("DataType")),
                Is.EqualTo(new[] { "integer", "float", "date", "float" }));
            Assert.That(Def(doc, "ItemDef", "IT.WB.SLEEP").Elements(Odm + "RangeCheck")
                    .Select(r => ((string?)r.Attribute("Comparator"), (string?)r.Attribute("SoftHard"), r.Element(Odm + "CheckValue")!.Value)),
                Is.EqualTo(new[] { ("GE", "Soft", "0"), ("LE", "Soft", "24") }));
            Assert.That((string?)Def(doc, "ItemDef", "IT.WB.MOOD").Element(Odm + "CodeListRef")!.Attribute("CodeListOID"), Is.EqualTo("CL.WB.MOOD"));
            Assert.That((string?)Def(doc, "CodeList", "CL.WB.MOOD").Attribute("DataType"), Is.EqualTo("integer"));
            Assert.That(CodeList(doc, "CL.WB.MOOD"), Is.EqualTo(new[]
            {
                ("1", "Low"), ("2", "Medium"), ("3", "High"), ("-99", "Refused (missing)"), ("-98", "Not applicable (missing)"),
            }));
            Assert.That(Def(doc, "ItemDef", "IT.WB.SLEEP").Element(Odm + "Description")!.Value,
                Is.EqualTo("Hours slept (missing-data codes: -99 Refused, -98 Not applicable)"));
        });
    }

    [Test]
    public async Task Blinded_extract_validates_with_masked_arms_only_and_no_real_arm_anywhere()
    {
        var xml = await WriteSmall(blinded: true);
        var doc = Validated(xml);
        var text = Encoding.UTF8.GetString(xml);
        Assert.Multiple(() =>
        {
            Assert.That(CodeList(doc, "CL.ARM"), Is.EqualTo(new[] { ("A", "Masked arm A"), ("B", "Masked arm B") }));
            Assert.That(ItemData(doc, "P001", "SE.ENROLMENT", "F.PARTICIPANT")["IT.PARTICIPANT.ARM"], Is.EqualTo("B"));
            Assert.That(ItemData(doc, "P002", "SE.ENROLMENT", "F.PARTICIPANT")["IT.PARTICIPANT.ARM"], Is.EqualTo("A"));
            foreach (var real in RealArms.SelectMany(a => new[] { a.Code, a.Label }))
            {
                Assert.That(text, Does.Not.Contain(real).IgnoreCase, "a blinded extract names no real arm");
            }
            Assert.That((string?)doc.Root!.Attribute("FileOID"), Does.Contain(".BLINDED."));
            Assert.That(doc.Descendants(Odm + "MetaDataVersion").Single().Attribute("OID")!.Value, Is.EqualTo("MDV.BLINDED"));
            Assert.That(ItemData(doc, "P001", "SE.BL", "F.WB.V1")["IT.WB.MOOD"], Is.EqualTo("2"));
        });
    }

    [Test]
    public void A_participant_arm_outside_the_extracts_arms_fails_the_export_instead_of_leaking()
    {
        var participants = Participants(blinded: true);
        participants[1] = participants[1] with { Arm = "USUAL-CARE" };
        Assert.That(() => Write(Header(blinded: true), participants, Clusters(true), Assessments),
            Throws.InvalidOperationException.With.Message.Contains("P002"));
    }

    [Test]
    public void Assessments_out_of_participant_order_fail_the_export_instead_of_being_dropped()
    {
        Assert.That(() => Write(Header(false), Participants(false).AsEnumerable().Reverse(), Clusters(false), Assessments),
            Throws.InvalidOperationException.With.Message.Contains("same participant order"));
    }

    [Test]
    public void Assessments_not_grouped_by_timepoint_fail_the_export()
    {
        ExtractAssessment[] scattered = [Assessments[0], Assessments[1], Assessments[0]];
        Assert.That(() => Write(Header(false), Participants(false), Clusters(false), scattered),
            Throws.InvalidOperationException.With.Message.Contains("timepoint 'BL' comes twice"));
    }

    [Test]
    public void An_export_that_fails_half_way_does_not_leave_a_well_formed_file()
    {
        async IAsyncEnumerable<ExtractAssessment> Failing()
        {
            await Task.Yield();
            yield return Assessments[0];
            throw new IOException("connection lost");
        }
        using var output = new MemoryStream();
        Assert.That(() => OdmWriter.WriteAsync(output, Header(false), Async(Participants(false)), Async(Clusters(false)), Failing(), CancellationToken.None),
            Throws.InstanceOf<IOException>());
        var written = Encoding.UTF8.GetString(output.ToArray());
        Assert.That(written, Does.Not.Contain("</ODM>"));
    }

    [Test]
    public async Task Text_answers_lose_characters_xml_cannot_carry_and_keep_the_rest()
    {
        var notes = new InstrumentDefinition("NOTE", "Notes", "Test.", [new ItemDefinition("note", "Note", "text", null, null, null, false)], [], []);
        var header = Header(false, new ExtractInstrument("NOTE", 1, notes));
        var answer = new ExtractAssessment("P001", "C1", "S1", null, "BL", "NOTE", 1, "complete", new DateOnly(2026, 1, 12), false, 0,
            new Dictionary<string, JsonElement> { ["note"] = JsonSerializer.SerializeToElement("a <b> & \"c\"\u0001 \ud83d\ude00 end") },
            new Dictionary<string, double?>());
        var doc = Validated(await Write(header, Participants(false), Clusters(false), [answer]));
        Assert.That(ItemData(doc, "P001", "SE.BL", "F.NOTE.V1")["IT.NOTE.NOTE"], Is.EqualTo("a <b> & \"c\" \ud83d\ude00 end"));
    }

    [Test]
    public async Task Extract_without_clusters_arms_or_assessments_still_validates()
    {
        var header = Header(false) with { Arms = [] };
        var participants = Participants(false).Select(p => p with { Arm = null }).ToArray();
        var doc = Validated(await Write(header, participants, [], []));
        Assert.Multiple(() =>
        {
            Assert.That(doc.Descendants(Odm + "CodeList").Select(c => (string?)c.Attribute("OID")), Is.EqualTo(new[] { "CL.WB.MOOD" }));
            Assert.That(Def(doc, "ItemDef", "IT.PARTICIPANT.CLUSTER").Element(Odm + "CodeListRef"), Is.Null);
            Assert.That(doc.Descendants(Odm + "SubjectData").Select(s => s.Elements(Odm + "StudyEventData").Count()), Is.EqualTo(new[] { 1, 1 }));
        });
    }

    [Test]
    public async Task Every_library_instrument_validates_and_a_redefined_item_gets_a_versioned_oid()
    {
        var library = InstrumentLibrary.All;
        var qpr = library.Single(d => d.Code == "QPR");
        var qprV2 = qpr with { Items = qpr.Items.Select(i => i.Code == "q1" ? i with { Max = 5 } : i).ToList() };
        var instruments = library.Select(d => new ExtractInstrument(d.Code, 1, d)).Append(new ExtractInstrument("QPR", 2, qprV2)).ToArray();

        var assessments = instruments.Select(i => new ExtractAssessment("P001", "C1", "S1", null, "BL", i.Code, i.Version, "complete", new DateOnly(2026, 1, 12), false, 0,
                i.Definition.Items.Select((item, n) => (item.Code, Value: n == 0 ? JsonSerializer.SerializeToElement(-97) : ValidAnswer(item)))
                    .ToDictionary(a => a.Code, a => a.Value),
                i.Definition.Scales.ToDictionary(s => s.Code, double? (s) => 1.5)))
            .Take(library.Count) // one assessment per instrument and timepoint: QPR v2 goes to 12m
            .Append(new ExtractAssessment("P001", "C1", "S1", null, "12m", "QPR", 2, "complete", new DateOnly(2027, 1, 12), false, 0,
                qprV2.Items.ToDictionary(i => i.Code, ValidAnswer), qprV2.Scales.ToDictionary(s => s.Code, double? (s) => 40)))
            .ToArray();
        var doc = Validated(await Write(Header(false, instruments), Participants(false).Take(1), Clusters(false), assessments));

        var itemDefs = doc.Descendants(Odm + "ItemDef").Select(d => (string)d.Attribute("OID")!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(library.Select(d => d.Code), Is.EqualTo(new[] { "HHI", "INSPIRE", "MANSA", "QPR", "QPR15", "RKI" }));
            Assert.That(itemDefs, Is.Unique);
            Assert.That(itemDefs, Has.Count.EqualTo(12 + library.Sum(d => d.Items.Count + d.Scales.Count) + 1), "QPR v2 adds only its changed item");
            Assert.That(Def(doc, "ItemGroupDef", "IG.QPR.V2.ITEMS").Elements(Odm + "ItemRef").Select(r => (string?)r.Attribute("ItemOID")).Take(2),
                Is.EqualTo(new[] { "IT.QPR.V2.Q1", "IT.QPR.Q2" }));
            Assert.That(Def(doc, "ItemGroupDef", "IG.QPR.V1.ITEMS").Elements(Odm + "ItemRef").Select(r => (string?)r.Attribute("ItemOID")).First(),
                Is.EqualTo("IT.QPR.Q1"));
            Assert.That((string?)Def(doc, "FormDef", "F.QPR.V2").Attribute("Name"), Does.EndWith("(version 2)"));
            Assert.That((string?)Def(doc, "FormDef", "F.HHI.V1").Attribute("Name"), Does.Not.Contain("version"));
            Assert.That(doc.Descendants(Odm + "FormData").Select(f => (string?)f.Attribute("FormOID")),
                Is.EqualTo(library.Select(d => $"F.{d.Code}.V1").Append("F.QPR.V2").Prepend("F.PARTICIPANT")));
            Assert.That(ItemData(doc, "P001", "SE.BL", "F.HHI.V1")["IT.HHI.H1"], Is.EqualTo("-97"));
        });
        var mansaChoice = library.Single(d => d.Code == "MANSA").Items.First(i => i.Type == "choice");
        Assert.That(CodeList(doc, $"CL.MANSA.{mansaChoice.Code.ToUpperInvariant()}").Select(c => c.Code),
            Is.EqualTo(mansaChoice.Options!.Select(o => o.Value).Concat(["-99", "-98", "-97"])));
    }

    private static JsonElement ValidAnswer(ItemDefinition item) => item.Type switch
    {
        "choice" => JsonSerializer.SerializeToElement(item.Options![0].Value),
        "date" => JsonSerializer.SerializeToElement("2026-01-12"),
        "text" => JsonSerializer.SerializeToElement("free text <&> \u0001"),
        _ => JsonSerializer.SerializeToElement(item.Max ?? 1),
    };

    [Test]
    public async Task Output_is_streamed_while_the_rows_are_still_being_read()
    {
        using var output = new MemoryStream();
        long writtenWhenHalfRead = -1;
        async IAsyncEnumerable<ExtractParticipant> Many()
        {
            for (var i = 0; i < 4000; i++)
            {
                if (i == 2000)
                {
                    writtenWhenHalfRead = output.Length;
                }
                await Task.Yield();
                yield return new ExtractParticipant($"P{i:D5}", "service-user", "C1", "S1", "ACTIVE-RX", new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2), "active", null);
            }
        }
        await OdmWriter.WriteAsync(output, Header(false), Many(), Async(Clusters(false)), Async(Array.Empty<ExtractAssessment>()), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(writtenWhenHalfRead, Is.GreaterThan(output.Length / 3), "the writer flushes as it goes");
            Assert.That(OdmSchema.Problems(new MemoryStream(output.ToArray())), Is.Empty);
        });
    }

    [Test]
    public void Cancellation_stops_the_export()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.That(() => OdmWriter.WriteAsync(new MemoryStream(), Header(false), Async(Participants(false)), Async(Clusters(false)), Async(Assessments), cts.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void Schema_helper_accepts_the_official_examples_and_rejects_misordered_or_unknown_elements()
    {
        const string misordered = """
            <ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileOID="X" FileType="Snapshot" CreationDateTime="2026-01-01T00:00:00Z" ODMVersion="1.3.2">
              <ClinicalData StudyOID="S" MetaDataVersionOID="M"/>
              <Study OID="S"><GlobalVariables><StudyName>s</StudyName><StudyDescription>d</StudyDescription><ProtocolName>p</ProtocolName></GlobalVariables></Study>
            </ODM>
            """;
        const string unknown = """
            <ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileOID="X" FileType="Snapshot" CreationDateTime="2026-01-01T00:00:00Z" ODMVersion="1.3.2">
              <Arm xmlns="urn:other">INT</Arm>
            </ODM>
            """;
        Assert.Multiple(() =>
        {
            foreach (var example in Directory.GetFiles(Path.Combine(OdmSchema.Folder, "examples"), "*.xml"))
            {
                using var file = File.OpenRead(example);
                Assert.That(OdmSchema.Problems(file), Is.Empty, Path.GetFileName(example));
            }
            Assert.That(OdmSchema.Problems(new MemoryStream(Encoding.UTF8.GetBytes(misordered))), Is.Not.Empty);
            Assert.That(OdmSchema.Problems(new MemoryStream(Encoding.UTF8.GetBytes(unknown))), Is.Not.Empty);
        });
    }

    /// <summary>The external contract check runs xmllint; the same files must pass it, not only .NET's validator.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public async Task Output_passes_xmllint_against_the_official_schema(bool blinded)
    {
        var xmllint = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "xmllint")).FirstOrDefault(File.Exists);
        if (xmllint is null)
        {
            Assert.Ignore("xmllint is not installed (apt-get install libxml2-utils)");
        }
        var file = Path.Combine(Path.GetTempPath(), $"odm-{Guid.NewGuid():N}.xml");
        try
        {
            await File.WriteAllBytesAsync(file, await WriteSmall(blinded));
            var start = new ProcessStartInfo(xmllint, ["--noout", "--nonet", "--schema", Path.Combine(OdmSchema.Folder, "ODM1-3-2.xsd"), file])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(start)!;
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.That(process.ExitCode, Is.Zero, errors);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
