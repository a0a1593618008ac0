// JPMML-Evaluator per-record timing for pgchurn's benchmark (bench/per_row.py compiles and runs it).
//
// java -cp <jars>:bench/.build Harness MODEL.pmml RECORDS.csv WARMUP_SECONDS PASSES SCORES_OUT
//
// Loads and verifies the PMML, reads the records (a header row of field names; an empty field
// is a missing value), then scores every record one at a time in a loop: a warm-up of at least
// WARMUP_SECONDS (so the JIT has compiled the hot paths), then PASSES timed passes. Each record
// is scored as a service would: InputField.prepare() of every raw value, evaluate(), and the
// probability of class 1 read back. Prints one JSON object; writes the scores of the last pass,
// one per line, to SCORES_OUT (for the parity check against scikit-learn).

import java.io.BufferedReader;
import java.io.File;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.dmg.pmml.OpType;
import org.jpmml.evaluator.Evaluator;
import org.jpmml.evaluator.EvaluatorUtil;
import org.jpmml.evaluator.FieldValue;
import org.jpmml.evaluator.InputField;
import org.jpmml.evaluator.LoadingModelEvaluatorBuilder;

public class Harness {

    private static final String PROBABILITY = "probability(1)";
    private static final long MAX_WARMUP_PASSES = 100_000;

    public static void main(String[] args) throws Exception {
        File pmml = new File(args[0]);
        String csv = args[1];
        double warmupSeconds = Double.parseDouble(args[2]);
        int passes = Integer.parseInt(args[3]);
        String scoresOut = args[4];

        long started = System.nanoTime();
        Evaluator evaluator = new LoadingModelEvaluatorBuilder().load(pmml).build();
        evaluator.verify();
        double loadMs = (System.nanoTime() - started) / 1e6;

        List<? extends InputField> inputs = evaluator.getInputFields();
        List<Map<String, Object>> records = readRecords(csv, inputs);
        double[] scores = new double[records.size()];

        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        long warmupPasses = 0;
        do {
            scoreAll(evaluator, inputs, records, scores);
            warmupPasses++;
        } while (System.nanoTime() < warmupEnd && warmupPasses < MAX_WARMUP_PASSES);

        List<String> perPass = new ArrayList<>();
        for (int p = 0; p < passes; p++) {
            long t = System.nanoTime();
            scoreAll(evaluator, inputs, records, scores);
            double us = (System.nanoTime() - t) / 1e3 / records.size();
            perPass.add(String.format(Locale.ROOT, "%.4f", us));
        }
        try (PrintWriter w = new PrintWriter(scoresOut, StandardCharsets.UTF_8)) {
            for (double s : scores) {
                w.println(Double.toString(s));
            }
        }
        System.out.println(String.format(Locale.ROOT,
                "{\"load_ms\": %.1f, \"records\": %d, \"warmup_passes\": %d, \"us_per_record\": [%s]}",
                loadMs, records.size(), warmupPasses, String.join(", ", perPass)));
    }

    static void scoreAll(Evaluator evaluator, List<? extends InputField> inputs,
                         List<Map<String, Object>> records, double[] scores) {
        for (int i = 0; i < records.size(); i++) {
            Map<String, Object> record = records.get(i);
            Map<String, FieldValue> arguments = new LinkedHashMap<>();
            for (InputField field : inputs) {
                arguments.put(field.getName(), field.prepare(record.get(field.getName())));
            }
            Map<String, ?> results = evaluator.evaluate(arguments);
            scores[i] = ((Number) EvaluatorUtil.decode(results.get(PROBABILITY))).doubleValue();
        }
    }

    static List<Map<String, Object>> readRecords(String csv, List<? extends InputField> inputs)
            throws Exception {
        Map<String, OpType> types = new LinkedHashMap<>();
        for (InputField field : inputs) {
            types.put(field.getName(), field.getOpType());
        }
        List<Map<String, Object>> records = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(Paths.get(csv), StandardCharsets.UTF_8)) {
            String[] header = reader.readLine().split(",", -1);
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String[] values = line.split(",", -1);
                Map<String, Object> record = new LinkedHashMap<>();
                for (int k = 0; k < header.length; k++) {
                    record.put(header[k], parse(values[k], types.get(header[k])));
                }
                records.add(record);
            }
        }
        return records;
    }

    static Object parse(String value, OpType type) {
        if (value.isEmpty()) {
            return null;
        }
        return type == OpType.CONTINUOUS ? (Object) Double.valueOf(value) : value;
    }
}
