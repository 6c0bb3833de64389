"""Reads a TID 1500 measurement report with pydicom; prints {tracking id: {concept: value}} as JSON."""
import json
import sys

import pydicom


def walk(items, out, group=None):
    for it in items:
        name = it.ConceptNameCodeSequence[0].CodeMeaning if "ConceptNameCodeSequence" in it else ""
        if it.ValueType == "CONTAINER" and name == "Measurement Group":
            g = {}
            walk(it.ContentSequence, out, g)
            out[g.pop("Tracking Identifier")] = g
        elif group is not None and it.ValueType == "TEXT" and name == "Tracking Identifier":
            group[name] = str(it.TextValue)
        elif group is not None and it.ValueType == "NUM":
            mod = ""
            for m in getattr(it, "ContentSequence", []):
                mod = " " + m.ConceptCodeSequence[0].CodeMeaning
            group[name + mod] = float(it.MeasuredValueSequence[0].NumericValue)
        elif "ContentSequence" in it:
            walk(it.ContentSequence, out, group)


ds = pydicom.dcmread(sys.argv[1])
assert ds.ContentTemplateSequence[0].TemplateIdentifier == "1500"
out = {}
walk(ds.ContentSequence, out)
print(json.dumps(out))
