using System.Globalization;
using System.Text.Json;
using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Api.Features.Exports;

/// <summary>An instrument item or scale score as an ODM ItemDef: its OID and, for a choice item, its code list.</summary>
internal sealed record OdmItem(string Oid, string Code, ItemDefinition? Item, ScaleDefinition? Scale, string? CodeListOid, string DataType);

/// <summary>One instrument version as an ODM FormDef with an item group for answers and one for scale scores.</summary>
internal sealed record OdmForm(
    ExtractInstrument Instrument, string Oid, string Name, string ItemsGroupOid, string ScoresGroupOid,
    IReadOnlyList<OdmItem> Items, IReadOnlyList<OdmItem> Scores);

/// <summary>
/// The OIDs of an extract, decided once from the header. OIDs follow the trial's codes so that they are the same in
/// every extract of a trial: `SE.12M` for a timepoint, `F.QPR.V1` for a form (always versioned), `IT.QPR.Q1` for an item
/// and `IT.QPR.SCORE.TOTAL` for a scale score. An item or scale shared by several versions of an instrument keeps one
/// ItemDef while its definition is unchanged, so a statistician can pool it; a version that redefines it gets its own
/// (`IT.QPR.V2.Q1`), never a silently different variable under an old name.
/// </summary>
internal sealed class OdmDesign
{
    public const string EnrolmentEventOid = "SE.ENROLMENT";
    public const string ParticipantFormOid = "F.PARTICIPANT";
    public const string ParticipantGroupOid = "IG.PARTICIPANT";
    public const string AssessmentGroupOid = "IG.ASSESSMENT";
    public const string ArmCodeListOid = "CL.ARM";
    public const string ClusterCodeListOid = "CL.CLUSTER";

    public const string ClusterOid = "IT.PARTICIPANT.CLUSTER";
    public const string SiteOid = "IT.PARTICIPANT.SITE";
    public const string ArmOid = "IT.PARTICIPANT.ARM";
    public const string KindOid = "IT.PARTICIPANT.KIND";
    public const string StatusOid = "IT.PARTICIPANT.STATUS";
    public const string StatusDateOid = "IT.PARTICIPANT.STATUS_DATE";
    public const string ConsentDateOid = "IT.PARTICIPANT.CONSENT_DATE";
    public const string BaselineDateOid = "IT.PARTICIPANT.BASELINE_DATE";

    public const string AssessedOnOid = "IT.ASSESSMENT.ASSESSED_ON";
    public const string AssessmentStatusOid = "IT.ASSESSMENT.STATUS";
    public const string OutOfWindowOid = "IT.ASSESSMENT.OUT_OF_WINDOW";
    public const string DaysOutOfWindowOid = "IT.ASSESSMENT.DAYS_OUT_OF_WINDOW";

    private readonly Dictionary<string, string> eventOids;
    private readonly Dictionary<(string Code, int Version), OdmForm> formsByVersion;

    private OdmDesign(ExtractHeader header, Dictionary<string, string> eventOids, List<OdmForm> forms)
    {
        Header = header;
        this.eventOids = eventOids;
        Forms = forms;
        formsByVersion = forms.ToDictionary(f => (f.Instrument.Code, f.Instrument.Version));
        StudyOid = "S." + Part(header.TrialCode);
        MetaDataVersionOid = header.Blinded ? "MDV.BLINDED" : "MDV.UNBLINDED";
    }

    public ExtractHeader Header { get; }

    public string StudyOid { get; }

    public string MetaDataVersionOid { get; }

    public IReadOnlyList<OdmForm> Forms { get; }

    public string EventOid(string timepointCode) => eventOids.TryGetValue(timepointCode, out var oid)
        ? oid
        : throw new InvalidOperationException($"An assessment refers to timepoint '{timepointCode}', which the extract header does not define.");

    public OdmForm Form(string instrumentCode, int version) => formsByVersion.TryGetValue((instrumentCode, version), out var form)
        ? form
        : throw new InvalidOperationException($"An assessment refers to instrument '{instrumentCode}' version {version}, which the extract header does not define.");

    public static OdmDesign From(ExtractHeader header)
    {
        var used = new HashSet<string>(StringComparer.Ordinal)
        {
            EnrolmentEventOid, ParticipantFormOid, ParticipantGroupOid, AssessmentGroupOid, ArmCodeListOid, ClusterCodeListOid,
            ClusterOid, SiteOid, ArmOid, KindOid, StatusOid, StatusDateOid, ConsentDateOid, BaselineDateOid,
            AssessedOnOid, AssessmentStatusOid, OutOfWindowOid, DaysOutOfWindowOid,
        };
        void Claim(string oid)
        {
            if (!used.Add(oid))
            {
                throw new InvalidOperationException($"Two parts of the extract would share the ODM OID '{oid}'; codes must differ by more than case.");
            }
        }

        var events = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var timepoint in header.Timepoints)
        {
            var oid = "SE." + Part(timepoint.Code);
            Claim(oid);
            events[timepoint.Code] = oid;
        }

        var forms = new List<OdmForm>();
        var itemOids = new Dictionary<string, List<(string Json, OdmItem Item)>>(StringComparer.Ordinal);
        foreach (var instrument in header.Instruments.OrderBy(i => i.Code, StringComparer.Ordinal).ThenBy(i => i.Version))
        {
            var code = Part(instrument.Code);
            var version = $"V{instrument.Version.ToString(CultureInfo.InvariantCulture)}";
            var definition = instrument.Definition;

            OdmItem Shared(string key, string baseOid, string versionedOid, object shape, Func<string, OdmItem> create)
            {
                var json = JsonSerializer.Serialize(shape, InstrumentDefinition.Json);
                if (!itemOids.TryGetValue(key, out var known))
                {
                    itemOids[key] = known = [];
                }
                var same = known.FirstOrDefault(k => k.Json == json).Item;
                if (same is not null)
                {
                    return same;
                }
                var oid = known.Count == 0 ? baseOid : versionedOid;
                Claim(oid);
                var created = create(oid);
                known.Add((json, created));
                return created;
            }

            var items = definition.Items.Select(item => Shared(
                $"{instrument.Code}\u0000item\u0000{item.Code}", $"IT.{code}.{Part(item.Code)}", $"IT.{code}.{version}.{Part(item.Code)}",
                new { item, definition.MissingCodes },
                oid =>
                {
                    var codeList = item.Type == "choice" ? "CL." + oid["IT.".Length..] : null;
                    if (codeList is not null)
                    {
                        Claim(codeList);
                    }
                    return new OdmItem(oid, item.Code, item, null, codeList, DataType(item, definition.MissingCodes));
                })).ToList();
            var scores = definition.Scales.Select(scale => Shared(
                $"{instrument.Code}\u0000scale\u0000{scale.Code}", $"IT.{code}.SCORE.{Part(scale.Code)}", $"IT.{code}.{version}.SCORE.{Part(scale.Code)}",
                scale,
                oid => new OdmItem(oid, scale.Code, null, scale, null, "float"))).ToList();

            var form = new OdmForm(instrument, $"F.{code}.{version}", "", $"IG.{code}.{version}.ITEMS", $"IG.{code}.{version}.SCORES", items, scores);
            Claim(form.Oid);
            Claim(form.ItemsGroupOid);
            Claim(form.ScoresGroupOid);
            forms.Add(form);
        }

        // A version appears in a form's name only when the extract holds several versions of that instrument.
        var versionCounts = forms.GroupBy(f => f.Instrument.Code).ToDictionary(g => g.Key, g => g.Count());
        forms = forms.Select(f => f with
        {
            Name = versionCounts[f.Instrument.Code] > 1
                ? $"{f.Instrument.Definition.Title} (version {f.Instrument.Version.ToString(CultureInfo.InvariantCulture)})"
                : f.Instrument.Definition.Title,
        }).ToList();
        return new OdmDesign(header, events, forms);
    }

    /// <summary>
    /// A choice item is an integer when every option and missing-data code is a whole number, else text (the missing-data
    /// codes are written into its code list, so the coded values must share one type).
    /// </summary>
    private static string DataType(ItemDefinition item, IReadOnlyList<MissingCode> missingCodes) => item.Type switch
    {
        "integer" => "integer",
        "decimal" => "float",
        "date" => "date",
        "choice" when (item.Options ?? []).All(o => long.TryParse(o.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            && missingCodes.All(m => m.Value == Math.Floor(m.Value)) => "integer",
        _ => "text",
    };

    private static string Part(string code) => string.Concat(code.Trim().ToUpperInvariant().Select(c => char.IsWhiteSpace(c) ? '_' : c));
}
